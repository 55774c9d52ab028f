/// A YAML tree as lnetctl prints it: ordered keys, and scalars that remember their style.
public indirect enum YTree: Sendable, Equatable {
    /// How a scalar is written.
    public enum Style: Sendable, Equatable {
        case plain
        case doubleQuoted
        /// `! "text"`: libyaml's non-specific tag on a double-quoted scalar (error descriptions).
        case taggedDouble
        /// `! 'text'`: the same with single quotes (ping/discover failures).
        case taggedSingle
    }

    case scalar(String, Style)
    /// A key with no value (`key:`).
    case empty
    case map([(String, YTree)])
    case seq([YTree])

    public static func == (a: YTree, b: YTree) -> Bool {
        switch (a, b) {
        case (.scalar(let x, let s), .scalar(let y, let t)): return x == y && s == t
        case (.empty, .empty): return true
        case (.seq(let x), .seq(let y)): return x == y
        case (.map(let x), .map(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    public static func plain(_ text: String) -> YTree { .scalar(text, .plain) }
    public static func int(_ value: Int) -> YTree { .scalar(String(value), .plain) }
    public static func bool(_ value: Bool) -> YTree { .scalar(value ? "true" : "false", .plain) }
}

/// lnetctl's two YAML printers, byte for byte.
public enum YAMLPrinter {
    // MARK: Printer A (libyaml, Netlink path)

    /// Printer A: block style with `indent` (6 for show output, 2 for ping/discover), sequences
    /// under a key at the key's column, `-` padded to the indent.
    public static func libyaml(_ pairs: [(String, YTree)], indent: Int = 6) -> String {
        var out = ""
        emitMap(pairs, column: 0, indent: indent, firstOnLine: false, into: &out)
        return out
    }

    /// Printer A's error block: `---`, `op:` with one item `{object:, errno, descr}`, `...`.
    public static func libyamlError(op: String, object: String, errno: Int, descr: String, indent: Int = 6)
        -> String
    {
        "---\n"
            + libyaml(
                [
                    (
                        op,
                        .seq([
                            .map([(object, .empty), ("errno", .int(errno)), ("descr", .scalar(descr, .taggedDouble))])
                        ])
                    )
                ],
                indent: indent) + "...\n"
    }

    private static func emitMap(
        _ pairs: [(String, YTree)], column: Int, indent: Int, firstOnLine: Bool, into out: inout String
    ) {
        let pad = String(repeating: " ", count: column)
        for (index, (key, value)) in pairs.enumerated() {
            let lead = index == 0 && firstOnLine ? "" : pad
            switch value {
            case .empty:
                out += "\(lead)\(key):\n"
            case .scalar(let text, let style):
                out +=
                    "\(lead)\(key): " + scalar(text, style, column: column + key.count + 2, indent: column + indent)
                    + "\n"
            case .map(let child):
                if child.isEmpty {
                    out += "\(lead)\(key): {}\n"
                } else {
                    out += "\(lead)\(key):\n"
                    emitMap(child, column: column + indent, indent: indent, firstOnLine: false, into: &out)
                }
            case .seq(let items):
                if items.isEmpty {
                    out += "\(lead)\(key): []\n"
                } else {
                    out += "\(lead)\(key):\n"
                    emitSeq(items, column: column, indent: indent, into: &out)
                }
            }
        }
    }

    private static func emitSeq(_ items: [YTree], column: Int, indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: column)
        let dash = "-" + String(repeating: " ", count: indent - 1)
        for item in items {
            switch item {
            case .map(let pairs) where !pairs.isEmpty:
                out += pad + dash
                emitMap(pairs, column: column + indent, indent: indent, firstOnLine: true, into: &out)
            case .scalar(let text, let style):
                out += pad + dash + scalar(text, style, column: column + indent, indent: column + indent) + "\n"
            default:
                out += pad + "-\n"
            }
        }
    }

    /// A scalar in its style, folded at spaces past column 80 as libyaml does.
    private static func scalar(_ text: String, _ style: YTree.Style, column: Int, indent: Int) -> String {
        switch style {
        case .plain:
            return fold(text, startColumn: column, indent: indent)
        case .doubleQuoted:
            return fold("\"" + escapeDouble(text) + "\"", startColumn: column, indent: indent)
        case .taggedDouble:
            return "! " + fold("\"" + escapeDouble(text) + "\"", startColumn: column + 2, indent: indent)
        case .taggedSingle:
            return "! "
                + fold(
                    "'" + text.replacingOccurrences(of: "'", with: "''") + "'", startColumn: column + 2, indent: indent)
        }
    }

    private static func escapeDouble(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }

    /// Breaks at the first space once the line is past 80 columns, continuing at `indent`.
    private static func fold(_ text: String, startColumn: Int, indent: Int) -> String {
        var out = ""
        var column = startColumn
        let chars = Array(text)
        for (i, c) in chars.enumerated() {
            if c == " " && column > 80 && i + 1 < chars.count && chars[i + 1] != " " {
                out += "\n" + String(repeating: " ", count: indent)
                column = indent
                continue
            }
            out.append(c)
            column += 1
        }
        return out
    }

    // MARK: Printer B (cYAML, ioctl/sysfs path)

    /// Printer B: nested mappings at +4, sequence items at +4 with the first key on the dash line
    /// and the others at +6, strings never quoted, empty strings as `key: `.
    public static func cyaml(_ pairs: [(String, YTree)]) -> String {
        var out = ""
        cyamlMap(pairs, column: 0, firstOnLine: false, into: &out)
        return out
    }

    /// Printer B's error block: `cmd:` with one item `{entity: {errno, descr}}`.
    public static func cyamlError(
        command: String, entity: String, errno: Int, descr: String, style: YTree.Style = .plain
    ) -> String {
        let descr: YTree = descr.isEmpty ? .plain("") : .scalar(descr, style)
        return cyaml([(command, .seq([.map([(entity, .map([("errno", .int(errno)), ("descr", descr)]))])]))])
    }

    private static func cyamlMap(_ pairs: [(String, YTree)], column: Int, firstOnLine: Bool, into out: inout String) {
        let pad = String(repeating: " ", count: column)
        for (index, (key, value)) in pairs.enumerated() {
            let lead = index == 0 && firstOnLine ? "" : pad
            switch value {
            case .empty:
                out += "\(lead)\(key): \n"
            case .scalar(let text, .doubleQuoted):
                out += "\(lead)\(key): \"\(escapeDouble(text))\"\n"
            case .scalar(let text, _):
                let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
                let align = String(repeating: " ", count: column + key.count + 2)
                out += "\(lead)\(key): " + lines.joined(separator: "\n" + align) + "\n"
            case .map(let child):
                out += "\(lead)\(key):\n"
                cyamlMap(child, column: column + 4, firstOnLine: false, into: &out)
            case .seq(let items):
                out += "\(lead)\(key):\n"
                for item in items {
                    out += String(repeating: " ", count: column + 4) + "- "
                    switch item {
                    case .map(let itemPairs):
                        cyamlMap(itemPairs, column: column + 6, firstOnLine: true, into: &out)
                    case .scalar(let text, _):
                        out += text + "\n"
                    default:
                        out += "\n"
                    }
                }
            }
        }
    }
}
