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
}

extension Value {
    /// The element at `index` of a list, or `nil`.
    public subscript(index: Int) -> Value? {
        guard case .list(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }

    /// The member `key` of a map, or `nil` for a missing key or a non-map value.
    public subscript(key: String) -> Value? {
        guard case .map(let members) = self else { return nil }
        return members[key]
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// An integer, also accepting a double with no fractional part.
    public var intValue: Int? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9e18: return Int(d)
        default: return nil
        }
    }

    /// A number as a double (integers convert).
    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var listValue: [Value]? {
        if case .list(let l) = self { return l }
        return nil
    }

    public var mapValue: OrderedDictionary<String, Value>? {
        if case .map(let m) = self { return m }
        return nil
    }

    /// A map without `key` (any other value as it is).
    public func removing(_ key: String) -> Value {
        guard case .map(var members) = self else { return self }
        members.removeValue(forKey: key)
        return .map(members)
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The value as plain text: strings unquoted, everything else as compact flow YAML.
    public var plainText: String {
        if case .string(let s) = self { return s }
        return JSONText.encodeString(self)
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
