import OrderedCollections
import Yams

/// YAML text in and out.
///
/// Input takes the JSON fast path (``JSONText``) when the text is JSON and falls back to Yams for
/// any other YAML. Output for people (status, master responses) is block YAML with two-space
/// indentation, strings quoted only where a YAML reader would otherwise misread them.
public enum YAMLText {
    /// Why a text is not YAML data LUTF accepts.
    public struct ParseError: Error, CustomStringConvertible {
        public var line: Int?
        public var column: Int?
        public var reason: String
        public var description: String {
            if let line { return "line \(line)\(column.map { " column \($0)" } ?? ""): \(reason)" }
            return reason
        }
    }

    /// Parses one YAML (or JSON) document into a ``Value``.
    ///
    /// An empty document is `.null`.
    public static func decode(_ bytes: [UInt8]) throws(ParseError) -> Value {
        var i = 0
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0a || bytes[i] == 0x0d || bytes[i] == 0x09 {
            i += 1
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "{") || bytes[i] == UInt8(ascii: "[") {
            if let value = try? JSONText.decode(bytes) { return value }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ParseError(reason: "text is not valid UTF-8")
        }
        return try decode(text)
    }

    /// Parses one YAML (or JSON) document into a ``Value``.
    public static func decode(_ text: String) throws(ParseError) -> Value {
        guard let node = try composeNode(text) else { return .null }
        return value(from: node)
    }

    /// Parses YAML into a Yams node tree, keeping line marks (used for configuration files).
    public static func composeNode(_ text: String) throws(ParseError) -> Node? {
        do {
            return try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw parseError(from: error, text: text)
        } catch {
            throw ParseError(reason: "\(error)")
        }
    }

    private static func parseError(from error: YamlError, text: String) -> ParseError {
        switch error {
        case .duplicatedKeysInMapping(let duplicates, let context):
            let key = duplicates.sorted().first ?? ""
            // Report the line of the second occurrence: where the mistake is.
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            let hits = lines.indices.filter { i in
                let trimmed = lines[i].drop { $0 == " " || $0 == "-" }
                return trimmed.hasPrefix(key + ":") || trimmed.hasPrefix("\"\(key)\":")
            }
            let line = hits.count > 1 ? hits[1] + 1 : context.mark.line
            return ParseError(line: line, column: nil, reason: "'\(key)' is given twice")
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
            let reason = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ", ")
            return ParseError(line: mark.line, column: mark.column, reason: reason)
        case .composer(let context, let problem, let mark, _):
            let reason = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ", ")
            return ParseError(line: mark.line, column: mark.column, reason: reason)
        default:
            return ParseError(reason: "\(error)")
        }
    }

    /// Converts a Yams node to a ``Value``, resolving scalars by their YAML tag.
    public static func value(from node: Node) -> Value {
        switch node {
        case .scalar(let scalar):
            switch Tag.Name(rawValue: node.tag.rawValue) {
            case .null: return .null
            case .bool: return node.bool.map(Value.bool) ?? .string(scalar.string)
            case .int: return node.int.map(Value.int) ?? node.float.map(Value.double) ?? .string(scalar.string)
            case .float: return node.float.map(Value.double) ?? .string(scalar.string)
            default: return .string(scalar.string)
            }
        case .mapping(let mapping):
            var members = OrderedDictionary<String, Value>()
            for (key, item) in mapping {
                members[key.string ?? JSONText.encodeString(value(from: key))] = value(from: item)
            }
            return .map(members)
        case .sequence(let sequence):
            return .list(sequence.map { value(from: $0) })
        case .alias:
            return .null
        }
    }

    /// Block YAML for people, ending in a newline.
    public static func encode(_ value: Value) -> String {
        var out = ""
        switch value.resolved {
        case .map(let members) where !members.isEmpty:
            emitMap(members, indent: 0, into: &out)
        case .list(let items) where !items.isEmpty:
            emitList(items, indent: 0, into: &out)
        default:
            out += scalarText(value) + "\n"
        }
        return out
    }

    private static func emitMap(_ members: OrderedDictionary<String, Value>, indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        for (key, item) in members {
            out += pad + quoted(key) + ":"
            emitChild(item, indent: indent, into: &out)
        }
    }

    private static func emitChild(_ item: Value, indent: Int, into out: inout String) {
        if case .json(let text) = item { return emitChild(text.value, indent: indent, into: &out) }
        switch item {
        case .map(let child) where !child.isEmpty:
            out += "\n"
            emitMap(child, indent: indent + 2, into: &out)
        case .list(let child) where !child.isEmpty:
            out += "\n"
            emitList(child, indent: indent, into: &out)
        case .null:
            out += "\n"
        default:
            out += " " + scalarText(item) + "\n"
        }
    }

    private static func emitList(_ items: [Value], indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        for item in items {
            switch item.resolved {
            case .map(let members) where !members.isEmpty:
                var first = true
                for (key, child) in members {
                    out += (first ? pad + "- " : pad + "  ") + quoted(key) + ":"
                    first = false
                    emitChild(child, indent: indent + 2, into: &out)
                }
            case .list(let child) where !child.isEmpty:
                out += pad + "-\n"
                emitList(child, indent: indent + 2, into: &out)
            case let resolved:
                out += pad + "- " + scalarText(resolved) + "\n"
            }
        }
    }

    /// A scalar (or empty collection) as YAML text.
    public static func scalarText(_ value: Value) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d):
            if d.isNaN { return ".nan" }
            if d.isInfinite { return d < 0 ? "-.inf" : ".inf" }
            return d.description
        case .string(let s): return quoted(s)
        case .list: return "[]"
        case .map: return "{}"
        case .json(let text): return scalarText(text.value)
        }
    }

    /// `s` as a YAML scalar: plain when a reader gets back exactly `s`, else double-quoted.
    public static func quoted(_ s: String) -> String {
        needsQuotes(s) ? JSONText.encodeString(.string(s)) : s
    }

    private static let reservedWords: Set<String> = [
        "null", "Null", "NULL", "~", "true", "True", "TRUE", "false", "False", "FALSE", "yes", "Yes", "YES", "no",
        "No", "NO", "on", "On", "ON", "off", "Off", "OFF", ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "-.inf",
        "-.Inf", "-.INF", "y", "n", "Y", "N",
    ]

    private static func needsQuotes(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, let last = s.unicodeScalars.last else { return true }
        if reservedWords.contains(s) { return true }
        if first == " " || last == " " { return true }
        if "-?:,[]{}#&*!|>'\"%@`".unicodeScalars.contains(first) {
            // "-" followed by non-space is plain (e.g. -1 is a number though, caught below).
            if !(first == "-" && s.count > 1 && !s.hasPrefix("- ")) { return true }
        }
        if s.contains(": ") || s.contains(" #") || s.hasSuffix(":") { return true }
        for u in s.unicodeScalars where u.value < 0x20 || u.value == 0x7f { return true }
        if Int(s) != nil || Double(s) != nil { return true }
        if s.hasPrefix("0x") || s.hasPrefix("0o") { return true }
        return false
    }
}
