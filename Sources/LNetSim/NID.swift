import Foundation

/// An LNet network: a type and a number (`tcp` is `tcp0`, `o2ib3`, `lo`).
public struct LNetNet: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    /// LND types in the order names are matched (by prefix).
    public static let types = ["lo", "tcp", "o2ib", "gni", "gip", "ptlf", "kfi", "efa", "bxi3f"]

    public var type: String
    public var number: Int

    public init(type: String, number: Int = 0) {
        self.type = type
        self.number = number
    }

    public static let lo = LNetNet(type: "lo")

    /// Parses a net name: `tcp`, `tcp1`, `tcp01` (= `tcp1`), `o2ib`, `lo`. `nil` if it is not one.
    public init?(parsing text: String) {
        let text = text.trimmingCharacters(in: .whitespaces)
        for type in Self.types where text.hasPrefix(type) {
            let rest = text.dropFirst(type.count)
            if type == "lo" {
                guard rest.isEmpty else { return nil }
                self.init(type: "lo")
                return
            }
            if rest.isEmpty {
                self.init(type: type)
                return
            }
            guard rest.allSatisfy(\.isNumber), let number = Int(rest), number < 65536 else { return nil }
            self.init(type: type, number: number)
            return
        }
        return nil
    }

    public var description: String { number == 0 ? type : "\(type)\(number)" }

    public static func < (a: LNetNet, b: LNetNet) -> Bool {
        (Self.types.firstIndex(of: a.type) ?? 99, a.number) < (Self.types.firstIndex(of: b.type) ?? 99, b.number)
    }
}

/// An LNet network identifier: `ADDRESS@NET`.
public struct NID: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public var address: String
    public var net: LNetNet

    public init(address: String, net: LNetNet) {
        self.address = net.type == "lo" ? "0" : address
        self.net = net
    }

    public static let loopback = NID(address: "0", net: .lo)

    public var description: String { "\(address)@\(net)" }

    public static func < (a: NID, b: NID) -> Bool { a.description < b.description }

    /// Why a NID does not parse.
    public enum ParseError: Error {
        case invalid
    }

    /// Parses and canonicalises a single NID (no ranges). A missing `@NET` means `@tcp`.
    public init(parsing text: String) throws(ParseError) {
        var address = text
        var net = LNetNet(type: "tcp")
        if let at = text.lastIndex(of: "@") {
            address = String(text[..<at])
            guard let parsed = LNetNet(parsing: String(text[text.index(after: at)...])) else { throw .invalid }
            net = parsed
        }
        guard !address.isEmpty || net.type == "lo" else { throw .invalid }
        switch net.type {
        case "lo":
            self.init(address: "0", net: net)
        case "tcp", "efa":
            if let v4 = Self.ipv4(address) {
                // 127.0.0.1@tcp is a valid NID: a peer add of it succeeds (6.1, c881f8eb).
                self.init(address: v4, net: net)
            } else if address.contains(":") {
                guard let v6 = Self.ipv6(address), v6 != "::1", !v6.hasPrefix("fe80") else { throw .invalid }
                self.init(address: v6, net: net)
            } else if let resolved = Self.resolve(address) {
                self.init(address: resolved, net: net)
            } else {
                throw .invalid
            }
        case "o2ib", "gip":
            if let v4 = Self.ipv4(address) {
                self.init(address: v4, net: net)
            } else if !address.contains(":"), let resolved = Self.resolve(address) {
                self.init(address: resolved, net: net)
            } else {
                throw .invalid
            }
        default:
            guard let number = Self.number(address) else { throw .invalid }
            self.init(address: String(number), net: net)
        }
    }

    /// Whether a NID parses.
    public static func isValid(_ text: String) -> Bool {
        (try? NID(parsing: text)) != nil
    }

    static func ipv4(_ text: String) -> String? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var octets: [Int] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isNumber), let v = Int(part), v <= 255 else {
                return nil
            }
            octets.append(v)
        }
        return octets.map(String.init).joined(separator: ".")
    }

    static func ipv6(_ text: String) -> String? {
        var storage = in6_addr()
        guard inet_pton(AF_INET6, text, &storage) == 1 else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        guard inet_ntop(AF_INET6, &storage, &buffer, socklen_t(buffer.count)) != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func number(_ text: String) -> UInt32? {
        if text.hasPrefix("0x") || text.hasPrefix("0X") { return UInt32(text.dropFirst(2), radix: 16) }
        return UInt32(text)
    }

    /// A host name resolved to its first IPv4 address (names only; never hits the network for
    /// dotted quads).
    static func resolve(_ name: String) -> String? {
        guard name.first?.isLetter == true, !name.contains(" ") else { return nil }
        var hints = addrinfo()
        hints.ai_family = AF_INET
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &result) == 0, let first = result else { return nil }
        defer { freeaddrinfo(result) }
        guard let sa = first.pointee.ai_addr else { return nil }
        var addr = sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
        var buffer = [CChar](repeating: 0, count: 32)
        guard inet_ntop(AF_INET, &addr, &buffer, socklen_t(buffer.count)) != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// lnetctl's NID lists: comma-separated NIDs whose addresses may hold `[...]` range expressions.
public enum NIDList {
    /// Why a list does not parse: the errno and message lnetctl reports.
    public struct Failure: Error, Equatable {
        public var errno: Int
        public var message: String
    }

    /// Expands `text` into NIDs in lnetctl's order. Bracket-expanded NIDs are not validated
    /// (as the real tool does); plain NIDs are validated and canonicalised.
    public static func expand(_ text: String) throws(Failure) -> [String] {
        if text.contains("*") { throw Failure(errno: -22, message: "asterisk not allowed in nidstring") }
        let items = try splitTopLevel(text)
        guard !items.isEmpty else {
            throw Failure(errno: -22, message: "\"Unable to parse nidlist: no valid NIDs in string\"")
        }
        var out: [String] = []
        for item in items {
            guard item.contains("@") else {
                throw Failure(errno: -22, message: "\"Unable to parse nidlist: no valid NIDs in string\"")
            }
            if item.contains("<?>") {
                throw Failure(errno: -22, message: "\"Unable to parse nidlist: LNET_ANY_NID is unsupported\"")
            }
            if item.contains("[") || item.contains("]") {
                out += try expandBrackets(item)
            } else {
                guard let nid = try? NID(parsing: item) else {
                    throw Failure(errno: -22, message: "\"Unable to parse nidlist: invalid NID in nidstr\"")
                }
                out.append(nid.description)
            }
        }
        return out
    }

    /// Splits on commas outside brackets.
    static func splitTopLevel(_ text: String) throws(Failure) -> [String] {
        var items: [String] = []
        var current = ""
        var depth = 0
        for c in text {
            switch c {
            case "[":
                depth += 1
                current.append(c)
            case "]":
                depth -= 1
                if depth < 0 {
                    throw Failure(errno: -22, message: "\"Unable to parse nidlist: incomplete bracket set\"")
                }
                current.append(c)
            case "," where depth == 0:
                items.append(current)
                current = ""
            default:
                current.append(c)
            }
        }
        if depth != 0 { throw Failure(errno: -22, message: "\"Unable to parse nidlist: incomplete bracket set\"") }
        items.append(current)
        return items.filter { !$0.isEmpty }
    }

    /// Expands every `[...]` in `item`, the leftmost bracket outermost.
    static func expandBrackets(_ item: String) throws(Failure) -> [String] {
        guard let open = item.firstIndex(of: "[") else { return [item] }
        guard let close = item[open...].firstIndex(of: "]") else {
            throw Failure(errno: -22, message: "\"Unable to parse nidlist: incomplete bracket set\"")
        }
        let prefix = String(item[..<open])
        let body = String(item[item.index(after: open)..<close])
        let suffix = String(item[item.index(after: close)...])
        let hex = item.contains(":")
        var out: [String] = []
        // An IPv6 range is read in hex and written in decimal: 2001:db8::[a-c] is ::10, ::11, ::12.
        // A range that is not numbers ([a]) expands to nothing rather than failing to parse.
        let values: [Int]
        do throws(Failure) {
            values = try rangeValues(body, hex: hex)
        } catch  where error.message.contains("invalid character in range") && !body.contains("/") {
            return []
        }
        for value in values {
            let text = String(value)
            out += try expandBrackets(prefix + text + suffix)
        }
        return out
    }

    /// The numbers of a bracket body: `1,3-5,6-12/4` in written order.
    public static func rangeValues(_ body: String, hex: Bool) throws(Failure) -> [Int] {
        var out: [Int] = []
        func number(_ s: Substring) throws(Failure) -> Int {
            guard !s.isEmpty, let v = Int(s, radix: hex ? 16 : 10) else {
                throw Failure(errno: -22, message: "\"Unable to parse nidlist: invalid character in range\"")
            }
            return v
        }
        for part in body.split(separator: ",", omittingEmptySubsequences: false) {
            guard !part.isEmpty else {
                throw Failure(errno: -22, message: "\"Unable to parse nidlist: invalid character in range\"")
            }
            var range = part
            var stride = 1
            if let slash = part.firstIndex(of: "/") {
                range = part[..<slash]
                stride = try number(part[part.index(after: slash)...])
                guard stride > 0 else {
                    throw Failure(errno: -22, message: "\"Unable to parse nidlist: invalid character in range\"")
                }
            }
            if let dash = range.firstIndex(of: "-") {
                let low = try number(range[..<dash])
                let highText = range[range.index(after: dash)...]
                guard !highText.isEmpty else {
                    throw Failure(errno: -34, message: "\"Unable to parse nidlist: range needs number after -\"")
                }
                let high = try number(highText)
                guard low <= high else {
                    throw Failure(errno: -34, message: "\"Unable to parse nidlist: range is wrong order\"")
                }
                out += Swift.stride(from: low, through: high, by: stride).map { $0 }
            } else {
                out.append(try number(range))
            }
        }
        return out
    }
}
