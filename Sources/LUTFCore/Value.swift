import OrderedCollections

/// A YAML data value: the only kind of data that crosses the wire between master, agents and Python.
///
/// Maps keep their insertion order (YAML output is read by people) and have string keys; YAML
/// documents with other scalar keys are converted to strings on input.
public enum Value: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([Value])
    case map(OrderedDictionary<String, Value>)
    /// A value still in its JSON text: a large value that only passes through (a remote call's
    /// result on its way from an agent to the test's script), which costs its bytes instead of a
    /// tree of nodes. JSON output splices it in as it is; anything that looks inside (the
    /// accessors, `==`, YAML) sees the value it stands for. Only ``JSONText/decode(_:deferring:)``
    /// makes one.
    case json(JSONBytes)

    /// The value itself: a ``json(_:)`` value decoded, any other as it is.
    public var resolved: Value {
        if case .json(let text) = self { return text.value }
        return self
    }

    public static func == (lhs: Value, rhs: Value) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.double(let a), .double(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.list(let a), .list(let b)): return a == b
        case (.map(let a), .map(let b)): return a == b
        case (.json(let a), .json(let b)) where a.bytes == b.bytes: return true
        case (.json, _), (_, .json): return lhs.resolved == rhs.resolved
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let b): hasher.combine(b)
        case .int(let i): hasher.combine(i)
        case .double(let d): hasher.combine(d)
        case .string(let s): hasher.combine(s)
        case .list(let l): hasher.combine(l)
        case .map(let m): hasher.combine(m)
        case .json(let text): text.value.hash(into: &hasher)
        }
    }
}

/// The JSON text of a value, checked to be exactly one valid JSON value (see ``Value/json(_:)``).
public struct JSONBytes: Sendable, Hashable {
    public let bytes: [UInt8]

    /// Made by the decoder only, from text it has checked.
    init(checked bytes: [UInt8]) { self.bytes = bytes }

    /// The value the text stands for.
    public var value: Value {
        // The text was checked when it was made, so it decodes.
        (try? JSONText.decode(bytes)) ?? .null
    }

    /// ``Value/plainText(prefix:)`` of the value, from the first bytes of the text only.
    func plainText(prefix limit: Int) -> String {
        // A character takes at most 12 bytes of JSON (a surrogate pair's two escapes).
        let budget = limit * 12
        guard bytes.count > budget else { return value.plainText(prefix: limit) }
        let quote = UInt8(ascii: "\"")
        guard bytes.first == quote else {
            return String(String(decoding: bytes.prefix(limit * 4), as: UTF8.self).prefix(limit))
        }
        // A string: its head up to a cut outside any escape and any character, closed and decoded.
        var cut = 1
        var i = 1
        while i < budget {
            i += bytes[i] != UInt8(ascii: "\\") ? 1 : bytes[i + 1] == UInt8(ascii: "u") ? 6 : 2
            if i <= budget { cut = i }
        }
        while cut > 1 && bytes[cut] & 0xC0 == 0x80 { cut -= 1 }
        let head = Array(bytes[..<cut]) + [quote]
        return ((try? JSONText.decode(head)) ?? .null).plainText(prefix: limit)
    }
}

extension Value {
    /// The element at `index` of a list, or `nil`.
    public subscript(index: Int) -> Value? {
        if case .json(let text) = self { return text.value[index] }
        guard case .list(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }

    /// The member `key` of a map, or `nil` for a missing key or a non-map value.
    public subscript(key: String) -> Value? {
        if case .json(let text) = self { return text.value[key] }
        guard case .map(let members) = self else { return nil }
        return members[key]
    }

    public var stringValue: String? {
        if case .json(let text) = self { return text.value.stringValue }
        if case .string(let s) = self { return s }
        return nil
    }

    /// An integer, also accepting a double with no fractional part.
    public var intValue: Int? {
        switch self {
        case .json(let text): return text.value.intValue
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9e18: return Int(d)
        default: return nil
        }
    }

    /// A number as a double (integers convert).
    public var doubleValue: Double? {
        switch self {
        case .json(let text): return text.value.doubleValue
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    public var boolValue: Bool? {
        if case .json(let text) = self { return text.value.boolValue }
        if case .bool(let b) = self { return b }
        return nil
    }

    public var listValue: [Value]? {
        if case .json(let text) = self { return text.value.listValue }
        if case .list(let l) = self { return l }
        return nil
    }

    public var mapValue: OrderedDictionary<String, Value>? {
        if case .json(let text) = self { return text.value.mapValue }
        if case .map(let m) = self { return m }
        return nil
    }

    /// A map without `key` (any other value as it is).
    public func removing(_ key: String) -> Value {
        if case .json(let text) = self { return text.value.removing(key) }
        guard case .map(var members) = self else { return self }
        members.removeValue(forKey: key)
        return .map(members)
    }

    public var isNull: Bool {
        if case .json(let text) = self { return text.value.isNull }
        if case .null = self { return true }
        return false
    }

    /// The value as plain text: strings unquoted, everything else as compact flow YAML.
    public var plainText: String {
        if case .json(let text) = self { return text.value.plainText }
        if case .string(let s) = self { return s }
        return JSONText.encodeString(self)
    }

    /// The first `limit` characters of ``plainText``, costing about that much however large the
    /// value is (for summaries of results that may be megabytes).
    public func plainText(prefix limit: Int) -> String {
        switch self {
        case .string(let s): return String(s.prefix(limit))
        case .json(let text): return text.plainText(prefix: limit)
        default:
            let json = JSONText.encodePrefix(self, limit: limit * 4)
            return String(String(decoding: json, as: UTF8.self).prefix(limit))
        }
    }
}

extension Value: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: Value...) { self = .list(elements) }
    public init(dictionaryLiteral elements: (String, Value)...) {
        self = .map(OrderedDictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

/// An ordered map of values (the payload of ``Value/map(_:)``).
public typealias OrderedDictionaryValue = OrderedDictionary<String, Value>
