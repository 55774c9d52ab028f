#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A network interface of this node and its addresses.
public struct NetworkInterface: Sendable, Hashable {
    public var name: String
    public var addresses: [String]
    public var isUp: Bool
    public var isLoopback: Bool

    public init(name: String, addresses: [String], isUp: Bool, isLoopback: Bool) {
        self.name = name
        self.addresses = addresses
        self.isUp = isUp
        self.isLoopback = isLoopback
    }

    /// IPv4 addresses only.
    public var ipv4Addresses: [String] { addresses.filter { !$0.contains(":") } }

    /// The interface as a wire value: `{name, addresses, up, loopback}`.
    /// `{name, addresses}`: what test scripts see (`lutf.me.interfaces()`, `status`).
    public var summaryValue: Value {
        ["name": .string(name), "addresses": .list(addresses.map(Value.string))]
    }

    public var value: Value {
        [
            "name": .string(name), "addresses": .list(addresses.map(Value.string)), "up": .bool(isUp),
            "loopback": .bool(isLoopback),
        ]
    }

    public init?(value: Value) {
        guard let name = value["name"]?.stringValue else { return nil }
        self.init(
            name: name,
            addresses: value["addresses"]?.listValue?.compactMap(\.stringValue) ?? [],
            isUp: value["up"]?.boolValue ?? true,
            isLoopback: value["loopback"]?.boolValue ?? false)
    }

    /// The interfaces of this node (or network namespace), in kernel order, with their IPv4 and
    /// IPv6 addresses (IPv4 first).
    public static func discover() -> [NetworkInterface] {
        var head: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&head) == 0, let first = head else { return [] }
        defer { freeifaddrs(head) }
        var order: [String] = []
        var byName: [String: NetworkInterface] = [:]
        var v6: [String: [String]] = [:]
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            let name = String(cString: entry.pointee.ifa_name)
            let flags = Int32(bitPattern: entry.pointee.ifa_flags)
            if byName[name] == nil {
                order.append(name)
                byName[name] = NetworkInterface(
                    name: name, addresses: [], isUp: flags & Int32(IFF_UP) != 0,
                    isLoopback: flags & Int32(IFF_LOOPBACK) != 0)
            }
            guard let sa = entry.pointee.ifa_addr else { continue }
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
            switch Int32(sa.pointee.sa_family) {
            case AF_INET:
                var addr = sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                if inet_ntop(AF_INET, &addr, &buffer, socklen_t(buffer.count)) != nil {
                    byName[name]?.addresses.append(Self.text(buffer))
                }
            case AF_INET6:
                var addr = sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                if inet_ntop(AF_INET6, &addr, &buffer, socklen_t(buffer.count)) != nil {
                    v6[name, default: []].append(Self.text(buffer))
                }
            default:
                break
            }
        }
        return order.compactMap { name in
            guard var interface = byName[name] else { return nil }
            interface.addresses += v6[name] ?? []
            return interface
        }
    }

    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
