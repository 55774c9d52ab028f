import Foundation
import Yams

/// A LUTF configuration file: YAML with a `config:` mapping at the top, as in the design document.
///
/// Every accessor validates its key and throws a ``LUTFError`` with code `config` that names the
/// file, the line and the key: `config master.yaml line 7: 'mport' must be a port number, got "eighty"`.
public struct ConfigFile: Sendable {
    public let path: String
    private let entries: [String: Entry]

    private struct Entry: Sendable {
        var line: Int
        var value: Value
        var text: String
        var items: [(line: Int, value: Value)]
    }

    /// Reads and checks `path`: a `root:` mapping (`config:` by default) whose `type` (if present)
    /// is `type` and whose keys are all in `allowedKeys`.
    public init(path: String, type expectedType: String, allowedKeys: [String], root rootKey: String = "config")
        throws(LUTFError)
    {
        self.path = path
        let text = try UserFile.text(path, what: "config")
        let node: Node?
        do {
            node = try YAMLText.composeNode(text)
        } catch {
            throw LUTFError(.config, "config \(path) \(error.description)")
        }
        guard let root = node?.mapping, let configNode = root[rootKey], let config = configNode.mapping else {
            throw LUTFError(
                .config,
                "config \(path): expected a '\(rootKey):' mapping at the top level (see `lutf \(expectedType) --help`)")
        }
        var entries: [String: Entry] = [:]
        for (keyNode, valueNode) in config {
            let line = keyNode.mark?.line ?? 0
            guard let key = keyNode.string else {
                throw LUTFError(.config, "config \(path) line \(line): keys must be names")
            }
            guard allowedKeys.contains(key) || key == "type" else {
                throw LUTFError(
                    .config,
                    "config \(path) line \(line): unknown key '\(key)' (known keys: \(allowedKeys.joined(separator: ", ")))"
                )
            }
            guard entries[key] == nil else {
                throw LUTFError(.config, "config \(path) line \(line): '\(key)' is given twice")
            }
            let items = (valueNode.sequence.map(Array.init) ?? []).map {
                (line: $0.mark?.line ?? line, value: YAMLText.value(from: $0))
            }
            entries[key] = Entry(
                line: line, value: YAMLText.value(from: valueNode), text: valueNode.string ?? "", items: items)
        }
        self.entries = entries
        if let type = entries["type"] {
            guard type.value.stringValue == expectedType else {
                throw LUTFError(
                    .config,
                    "config \(path) line \(type.line): 'type' is '\(type.value.plainText)' but this command reads a '\(expectedType)' configuration"
                )
            }
        }
    }

    private func invalid(_ key: String, _ entry: Entry, _ expectation: String) -> LUTFError {
        LUTFError(
            .config,
            "config \(path) line \(entry.line): '\(key)' must be \(expectation), got \(JSONText.encodeString(.string(entry.value.plainText)))"
        )
    }

    /// The items of a list-valued key with the line each starts on (empty if absent).
    public func items(_ key: String) -> [(line: Int, value: Value)] {
        entries[key]?.items ?? []
    }

    /// The line a key is on, for messages about its value.
    public func line(of key: String) -> Int? { entries[key]?.line }

    /// The raw value of `key`, if present.
    public func value(_ key: String) -> Value? { entries[key]?.value }

    public func string(_ key: String) throws(LUTFError) -> String? {
        guard let entry = entries[key] else { return nil }
        switch entry.value {
        case .null: return nil
        case .string(let s): return s
        case .int, .double, .bool: return entry.text
        default: throw invalid(key, entry, "a single value")
        }
    }

    public func port(_ key: String) throws(LUTFError) -> Int? {
        guard let entry = entries[key], !entry.value.isNull else { return nil }
        guard let port = entry.value.intValue, (0...65535).contains(port) else {
            throw invalid(key, entry, "a port number (0-65535)")
        }
        return port
    }

    public func number(_ key: String, in range: ClosedRange<Double>) throws(LUTFError) -> Double? {
        guard let entry = entries[key], !entry.value.isNull else { return nil }
        guard let number = entry.value.doubleValue, range.contains(number) else {
            throw invalid(key, entry, "a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    public func integer(_ key: String, in range: ClosedRange<Int>) throws(LUTFError) -> Int? {
        guard let entry = entries[key], !entry.value.isNull else { return nil }
        guard let number = entry.value.intValue, range.contains(number) else {
            throw invalid(key, entry, "a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    public func bool(_ key: String) throws(LUTFError) -> Bool? {
        guard let entry = entries[key], !entry.value.isNull else { return nil }
        if let b = entry.value.boolValue { return b }
        if let i = entry.value.intValue, i == 0 || i == 1 { return i == 1 }
        throw invalid(key, entry, "true or false")
    }

    public func choice(_ key: String, from choices: [String]) throws(LUTFError) -> String? {
        guard let entry = entries[key], !entry.value.isNull else { return nil }
        guard let s = entry.value.stringValue, choices.contains(s) else {
            throw invalid(key, entry, "one of \(choices.joined(separator: ", "))")
        }
        return s
    }

    /// A list of strings; a single string is a one-element list.
    public func stringList(_ key: String) throws(LUTFError) -> [String]? {
        guard let entry = entries[key], !entry.value.isNull else { return nil }
        switch entry.value {
        case .string(let s): return [s]
        case .list(let items):
            var out: [String] = []
            for item in items {
                guard let s = item.stringValue else { throw invalid(key, entry, "a list of strings") }
                out.append(s)
            }
            return out
        default: throw invalid(key, entry, "a list of strings")
        }
    }
}
