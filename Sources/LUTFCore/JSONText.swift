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
        case .json(let text): out.append(contentsOf: text.bytes)
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

    /// The first bytes of `value`'s compact JSON, at least `limit` of them where it has that many
    /// (a little more: it stops once past `limit`), without encoding the rest of a large value.
    public static func encodePrefix(_ value: Value, limit: Int) -> [UInt8] {
        var out: [UInt8] = []
        try? encode(value, into: &out, limit: limit)
        return out
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
        try decode(bytes, deferring: [])
    }

    /// Values of at least this many bytes of JSON that ``decode(_:deferring:)`` keeps as text.
    public static let deferredSize = 64 * 1024

    /// Decodes one JSON document, keeping the member at the map path `deferring` (e.g.
    /// `["rpc", "results", "return_code", "value"]`) as its checked JSON text, a
    /// ``Value/json(_:)``, when it is ``deferredSize`` bytes or more: a value that only passes
    /// through then costs its bytes, not a tree. (A deferred value with a lone surrogate escape,
    /// which decoding turns into U+FFFD, or with text that is not UTF-8, is decoded instead.)
    public static func decode(_ bytes: some Collection<UInt8>, deferring path: [String]) throws(ParseError) -> Value {
        if let raw = bytes as? UnsafeRawBufferPointer {
            return try decode(buffer: raw.assumingMemoryBound(to: UInt8.self), deferring: path)
        }
        let array = bytes as? [UInt8] ?? Array(bytes)
        return try array.withUnsafeBufferPointer { (buffer) throws(ParseError) -> Value in
            try decode(buffer: buffer, deferring: path)
        }
    }

    private static func decode(buffer: UnsafeBufferPointer<UInt8>, deferring path: [String]) throws(ParseError)
        -> Value
    {
        var parser = Parser(bytes: buffer)
        parser.deferred = path
        parser.skipSpace()
        let value = try parser.parseValue(depth: 0, matched: path.isEmpty ? -1 : 0)
        parser.skipSpace()
        guard parser.index == buffer.count else {
            throw ParseError(offset: parser.index, reason: "unexpected text after the value")
        }
        return value
    }

    private struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0
        /// The map path of the member to keep as text (empty: none).
        var deferred: [String] = []
        /// Set while checking a member's text when it holds a surrogate escape.
        var sawSurrogateEscape = false

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

        /// `matched`: how many leading keys of ``deferred`` lead here (-1: this is off that path).
        mutating func parseValue(depth: Int, matched: Int = -1) throws(ParseError) -> Value {
            guard depth < JSONText.maxDepth else { throw fail("nesting deeper than \(JSONText.maxDepth)") }
            guard index < bytes.count else { throw fail("unexpected end of text") }
            if matched >= 0 && matched == deferred.count, let text = try deferredText(depth: depth) {
                return .json(JSONBytes(checked: text))
            }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try parseMap(depth: depth, matched: matched)
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

        /// The text of the value here when it is large and passes through unchanged, leaving the
        /// parser after it; else `nil`, leaving the parser where it was.
        mutating func deferredText(depth: Int) throws(ParseError) -> [UInt8]? {
            let start = index
            sawSurrogateEscape = false
            try skipValue(depth: depth)
            let span = UnsafeBufferPointer(rebasing: bytes[start..<index])
            if span.count >= JSONText.deferredSize, !sawSurrogateEscape, String(validating: span, as: UTF8.self) != nil
            {
                return Array(span)
            }
            index = start
            return nil
        }

        /// Checks the value here, as ``parseValue(depth:matched:)`` would, building nothing.
        mutating func skipValue(depth: Int) throws(ParseError) {
            guard depth < JSONText.maxDepth else { throw fail("nesting deeper than \(JSONText.maxDepth)") }
            guard index < bytes.count else { throw fail("unexpected end of text") }
            switch bytes[index] {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let close = bytes[index] == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
                let isMap = close == UInt8(ascii: "}")
                index += 1
                skipSpace()
                if index < bytes.count && bytes[index] == close {
                    index += 1
                    return
                }
                while true {
                    skipSpace()
                    if isMap {
                        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                            throw fail("expected a quoted key")
                        }
                        try skipString()
                        skipSpace()
                        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                        index += 1
                        skipSpace()
                    }
                    try skipValue(depth: depth + 1)
                    skipSpace()
                    guard index < bytes.count else { throw fail("unexpected end of text") }
                    if bytes[index] == UInt8(ascii: ",") {
                        index += 1
                        continue
                    }
                    guard bytes[index] == close else {
                        throw fail(isMap ? "expected ',' or '}'" : "expected ',' or ']'")
                    }
                    index += 1
                    return
                }
            case UInt8(ascii: "\""): try skipString()
            default: _ = try parseValue(depth: depth)  // a scalar: as cheap to parse as to skip
            }
        }

        /// Checks the string here (escapes, no control characters), building nothing.
        mutating func skipString() throws(ParseError) {
            index += 1
            while index < bytes.count {
                let b = bytes[index]
                if b == UInt8(ascii: "\"") {
                    index += 1
                    return
                }
                if b < 0x20 { throw fail("control character in string") }
                index += 1
                guard b == UInt8(ascii: "\\") else { continue }
                guard index < bytes.count else { break }
                let e = bytes[index]
                index += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    continue
                case UInt8(ascii: "u"):
                    if (0xD800..<0xE000).contains(try hex4()) { sawSurrogateEscape = true }
                default: throw fail("invalid escape '\\\(Character(Unicode.Scalar(e)))'")
                }
            }
            throw fail("unterminated string")
        }

        mutating func parseMap(depth: Int, matched: Int = -1) throws(ParseError) -> Value {
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
                let onPath = matched >= 0 && matched < deferred.count && deferred[matched] == key
                members[key] = try parseValue(depth: depth + 1, matched: onPath ? matched + 1 : -1)
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
