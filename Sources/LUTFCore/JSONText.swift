import OrderedCollections

/// The fast path of the YAML codec: JSON text, which every YAML 1.2 parser reads as flow YAML.
///
/// Everything LUTF emits on the wire is JSON-compatible flow YAML, so the hot path never pays for a
/// general YAML parser; ``YAMLText`` falls back to Yams for any other YAML. Non-finite doubles use
/// the `Infinity`/`NaN` spelling that Python's `json` module reads and writes.
public enum JSONText {
    /// Nesting deeper than this is refused, so hostile input cannot exhaust the stack.
    public static let maxDepth = 256

    /// A value whose JSON passes a byte limit; encoding stopped there, without building the rest.
    public struct TooLarge: Error, CustomStringConvertible {
        public let limit: Int
        public var description: String { "more than \(limit) bytes as JSON" }
    }

    /// Encodes `value` as compact JSON, appending to `out`.
    public static func encode(_ value: Value, into out: inout [UInt8]) {
        do {
            try encode(value, into: &out, limit: .max)
        } catch {
            preconditionFailure("no value passes Int.max bytes")
        }
    }

    /// Encodes `value` as compact JSON bytes, giving up as soon as they pass `limit` bytes (a
    /// value far over a frame limit costs the limit, not its whole size).
    public static func encode(_ value: Value, limit: Int) throws(TooLarge) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        try encode(value, into: &out, limit: limit)
        return out
    }

    private static func encode(_ value: Value, into out: inout [UInt8], limit: Int) throws(TooLarge) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): appendInteger(i, into: &out)
        case .double(let d):
            if d.isNaN {
                out.append(contentsOf: "NaN".utf8)
            } else if d.isInfinite {
                out.append(contentsOf: (d < 0 ? "-Infinity" : "Infinity").utf8)
            } else {
                out.append(contentsOf: d.description.utf8)
            }
        case .string(let s): appendString(s, into: &out)
        case .list(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                try encode(item, into: &out, limit: limit)
            }
            out.append(UInt8(ascii: "]"))
        case .map(let members):
            out.append(UInt8(ascii: "{"))
            var first = true
            for (key, item) in members {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                appendString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                try encode(item, into: &out, limit: limit)
            }
            out.append(UInt8(ascii: "}"))
        }
        if out.count > limit { throw TooLarge(limit: limit) }
    }

    /// Encodes `value` as compact JSON bytes.
    public static func encode(_ value: Value) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        encode(value, into: &out)
        return out
    }

    /// Encodes `value` as a compact JSON string.
    public static func encodeString(_ value: Value) -> String {
        String(decoding: encode(value), as: UTF8.self)
    }

    private static func appendInteger(_ i: Int, into out: inout [UInt8]) {
        if i >= 0 && i < 10 {
            out.append(UInt8(ascii: "0") + UInt8(i))
            return
        }
        out.append(contentsOf: String(i).utf8)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private static func appendString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            // Runs that need no escape (nearly all of a text) are copied whole.
            var run = 0
            for i in 0..<bytes.count {
                let byte = bytes[i]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte == 0x7f else {
                    continue
                }
                if run < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<i])) }
                run = i + 1
                switch byte {
                case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
                case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case UInt8(ascii: "\n"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case UInt8(ascii: "\r"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case UInt8(ascii: "\t"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                default:
                    out.append(contentsOf: [
                        UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                    ])
                    out.append(hexDigits[Int(byte >> 4)])
                    out.append(hexDigits[Int(byte & 0xf)])
                }
            }
            if run < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run...])) }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Why a text is not JSON, and where.
    public struct ParseError: Error, CustomStringConvertible {
        public var offset: Int
        public var reason: String
        public var description: String { "\(reason) at byte \(offset)" }
    }

    /// Decodes one JSON document (surrounding whitespace allowed).
    ///
    /// Throws ``ParseError`` for anything that is not exactly one JSON value.
    public static func decode(_ bytes: some Collection<UInt8>) throws(ParseError) -> Value {
        let array = bytes as? [UInt8] ?? Array(bytes)
        return try array.withUnsafeBufferPointer { (buffer) throws(ParseError) -> Value in
            var parser = Parser(bytes: buffer)
            parser.skipSpace()
            let value = try parser.parseValue(depth: 0)
            parser.skipSpace()
            guard parser.index == buffer.count else {
                throw ParseError(offset: parser.index, reason: "unexpected text after the value")
            }
            return value
        }
    }

    private struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func skipSpace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0a, 0x0d: index += 1
                default: return
                }
            }
        }

        func fail(_ reason: String) -> ParseError {
            ParseError(offset: index, reason: reason)
        }

        mutating func parseValue(depth: Int) throws(ParseError) -> Value {
            guard depth < JSONText.maxDepth else { throw fail("nesting deeper than \(JSONText.maxDepth)") }
            guard index < bytes.count else { throw fail("unexpected end of text") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try parseMap(depth: depth)
            case UInt8(ascii: "["): return try parseList(depth: depth)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"):
                try literal("true")
                return .bool(true)
            case UInt8(ascii: "f"):
                try literal("false")
                return .bool(false)
            case UInt8(ascii: "n"):
                try literal("null")
                return .null
            case UInt8(ascii: "N"):
                try literal("NaN")
                return .double(.nan)
            case UInt8(ascii: "I"):
                try literal("Infinity")
                return .double(.infinity)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
            default: throw fail("unexpected character '\(Character(Unicode.Scalar(bytes[index])))'")
            }
        }

        mutating func literal(_ word: StaticString) throws(ParseError) {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { throw fail("unexpected end of text") }
            let ptr = word.utf8Start
            for i in 0..<count where bytes[index + i] != ptr[i] {
                throw fail("invalid literal")
            }
            index += count
        }

        mutating func parseMap(depth: Int) throws(ParseError) -> Value {
            index += 1
            var members = OrderedDictionary<String, Value>()
            skipSpace()
            if index < bytes.count && bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .map(members)
            }
            while true {
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                    throw fail("expected a quoted key")
                }
                let key = try parseString()
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                index += 1
                skipSpace()
                members[key] = try parseValue(depth: depth + 1)
                skipSpace()
                guard index < bytes.count else { throw fail("unexpected end of text") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard bytes[index] == UInt8(ascii: "}") else { throw fail("expected ',' or '}'") }
                index += 1
                return .map(members)
            }
        }

        mutating func parseList(depth: Int) throws(ParseError) -> Value {
            index += 1
            var items: [Value] = []
            skipSpace()
            if index < bytes.count && bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .list(items)
            }
            while true {
                skipSpace()
                items.append(try parseValue(depth: depth + 1))
                skipSpace()
                guard index < bytes.count else { throw fail("unexpected end of text") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard bytes[index] == UInt8(ascii: "]") else { throw fail("expected ',' or ']'") }
                index += 1
                return .list(items)
            }
        }

        mutating func parseNumber() throws(ParseError) -> Value {
            let start = index
            if bytes[index] == UInt8(ascii: "-") {
                index += 1
                if index < bytes.count && bytes[index] == UInt8(ascii: "I") {
                    try literal("Infinity")
                    return .double(-.infinity)
                }
            }
            var isInteger = true
            scan: while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"): index += 1
                case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"):
                    isInteger = false
                    index += 1
                default: break scan
                }
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            if isInteger, let i = Int(text) { return .int(i) }
            guard let d = Double(text) else { throw ParseError(offset: start, reason: "invalid number '\(text)'") }
            return .double(d)
        }

        mutating func parseString() throws(ParseError) -> String {
            index += 1
            let start = index
            // Fast path: no escapes.
            while index < bytes.count {
                let b = bytes[index]
                if b == UInt8(ascii: "\"") {
                    let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                    index += 1
                    return s
                }
                if b == UInt8(ascii: "\\") { break }
                if b < 0x20 { throw fail("control character in string") }
                index += 1
            }
            var out = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
            while index < bytes.count {
                // Copy the run up to the next quote, escape or control character whole.
                let run = index
                while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\"),
                    bytes[index] >= 0x20
                {
                    index += 1
                }
                if run < index { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<index])) }
                guard index < bytes.count else { break }
                let b = bytes[index]
                if b == UInt8(ascii: "\"") {
                    index += 1
                    return String(decoding: out, as: UTF8.self)
                }
                if b < 0x20 { throw fail("control character in string") }
                index += 1
                guard index < bytes.count else { break }
                let e = bytes[index]
                index += 1
                switch e {
                case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "/"): out.append(UInt8(ascii: "/"))
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0c)
                case UInt8(ascii: "n"): out.append(0x0a)
                case UInt8(ascii: "r"): out.append(0x0d)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    // A lone surrogate (what Python's surrogateescape makes of a non-UTF-8 byte)
                    // becomes U+FFFD: the string crosses, the one unencodable character marked.
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar), index + 5 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                        bytes[index + 1] == UInt8(ascii: "u")
                    {
                        let mark = index
                        index += 2
                        let low = try hex4()
                        if (0xDC00..<0xE000).contains(low) {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            index = mark
                        }
                    }
                    let u = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                    out.append(contentsOf: String(Character(u)).utf8)
                default: throw fail("invalid escape '\\\(Character(Unicode.Scalar(e)))'")
                }
            }
            throw fail("unterminated string")
        }

        mutating func hex4() throws(ParseError) -> UInt32 {
            guard index + 4 <= bytes.count else { throw fail("short \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[index]
                let d: UInt32
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
                default: throw fail("invalid hex digit in \\u escape")
                }
                v = v << 4 | d
                index += 1
            }
            return v
        }
    }
}
