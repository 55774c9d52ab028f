import Foundation
import LUTFCore

/// What a simulated tool printed and its exit status.
public struct SimOutput: Sendable {
    public var stdout = ""
    public var stderr = ""
    public var status: Int32 = 0

    public init() {}

    /// A tool that could not start: `TOOL: message` on stderr, exit 1.
    init(tool: String, failure: LUTFError) {
        stderr = "\(tool): \(failure.message)\n"
        status = 1
    }
}

/// The simulated `lnetctl`: the real tool's command line, output YAML, error YAML and exit codes
/// over a simulated node (see `reference/LNET.md`).
public struct LNetCtl {
    let node: SimNode
    var out = SimOutput()
    /// Standard input, for `import` without a file.
    var importInput: String?

    /// A command word's subcommands: name, help text, handler (returns the C return value).
    struct Sub {
        var name: String
        var help: String
        var run: (inout LNetCtl, [String]) throws -> Int
    }

    static let version = "2.17.57_62_gc881f8e_dirty"

    /// Runs `lnetctl ARGS`. With no argument, reads commands from `input` (script mode).
    public static func main(_ args: [String], environment: [String: String], input: () -> String?) -> SimOutput {
        let node: SimNode
        do {
            node = try SimNode.fromEnvironment(environment)
        } catch {
            return SimOutput(tool: "lnetctl", failure: error)
        }
        var tool = LNetCtl(node: node)
        let rc: Int
        if args.isEmpty {
            rc = tool.script(input)
        } else {
            if args.first == "import" && !args.dropFirst().contains(where: { !$0.hasPrefix("-") }) {
                var text = ""
                while let line = input() { text += line + "\n" }
                tool.importInput = text
            }
            rc = tool.dispatch(args)
        }
        tool.out.status = Int32(UInt8(truncatingIfNeeded: rc))
        return tool.out
    }

    // MARK: Dispatch

    /// The top-level commands and their subcommands (`ping`, `discover`, `import`, `export`,
    /// `set` parameters are handled as their own words).
    var table: [(String, [Sub])] {
        [
            ("lnet", lnetSubs), ("route", routeSubs), ("net", netSubs), ("routing", routingSubs),
            ("set", setSubs), ("import", []), ("export", []), ("stats", statsSubs), ("debug", debugSubs),
            ("global", globalSubs), ("peer", peerSubs), ("ping", []), ("discover", []), ("service-id", []),
            ("udsp", udspSubs), ("fault", []), ("setup-mrrouting", []), ("setup-sysctl", []), ("cpt-of-nid", []),
        ]
    }

    mutating func dispatch(_ args: [String], prefixMatch: Bool = false) -> Int {
        guard let first = args.first else { return 0 }
        let rest = Array(args.dropFirst())
        switch first {
        case "help", "--help":
            return help(rest)
        case "version", "--version":
            out.stdout += "lnetctl \(Self.version)\n"
            return 0
        case "list-commands", "--list-commands":
            listCommands()
            return 0
        case "exit", "quit":
            return 0
        default:
            break
        }
        let names = table.map(\.0)
        let match: String?
        if prefixMatch {
            let candidates = names.filter { $0.lowercased().hasPrefix(first.lowercased()) }
            match = candidates.count == 1 ? candidates[0] : names.first { $0.lowercased() == first.lowercased() }
        } else {
            match = names.contains(first) ? first : nil
        }
        guard let command = match else {
            out.stderr += "lnetctl: '\(first)' is not a valid command. See 'lnetctl --list-commands'.\n"
            return -1
        }
        do {
            switch command {
            case "ping": return try ping(rest, discover: false)
            case "discover": return try ping(rest, discover: true)
            case "export": return try export(rest)
            case "import": return try importConfig(rest)
            case "fault": return try fault(rest)
            case "service-id", "setup-mrrouting", "setup-sysctl", "cpt-of-nid":
                out.stderr += "lnetctl: '\(command)' is not supported by the LNet simulator\n"
                return -95
            default:
                let subs = table.first { $0.0 == command }!.1
                return try runSub(command, subs, rest)
            }
        } catch let error as LUTFError {
            out.stderr += "lnetctl: \(error.message)\n"
            return -5
        } catch {
            out.stderr += "lnetctl: \(error)\n"
            return -5
        }
    }

    /// `lnetctl CMD SUB ARGS`: help when the subcommand is missing, `-h` when it is alone.
    mutating func runSub(_ command: String, _ subs: [Sub], _ args: [String]) throws -> Int {
        guard let word = args.first else {
            printHelp(command, subs)
            return -22
        }
        if ["-h", "--help", "help"].contains(word) {
            printHelp(command, subs)
            return word == "help" ? 0 : 1
        }
        guard let sub = subs.first(where: { $0.name == word }) else {
            out.stderr += "lnetctl: '\(word)' is not a valid command. See 'lnetctl --list-commands'.\n"
            return -1
        }
        let rest = Array(args.dropFirst())
        if rest.count == 1 && (rest[0] == "-h" || rest[0] == "--help") {
            out.stdout += "\(command) \(sub.name): \(sub.help)\n"
            return 1
        }
        return try sub.run(&self, rest)
    }

    mutating func printHelp(_ command: String, _ subs: [Sub]) {
        for sub in subs { out.stdout += "\(command) \(sub.name): \(sub.help)\n" }
    }

    mutating func help(_ args: [String]) -> Int {
        guard let topic = args.first else {
            out.stdout += """
                usage: lnetctl [COMMAND] [OPTIONS]... [ARGS]
                Without any parameters, interactive mode is invoked
                Try 'lnetctl help <COMMAND>', or 'lnetctl --list-commands' for a list of commands.

                """
            return 0
        }
        guard let entry = table.first(where: { $0.0 == topic }) else {
            out.stderr += "lnetctl: '\(topic)' is not a valid command. See 'lnetctl --list-commands'.\n"
            return 0
        }
        let subs = entry.1.map(\.name)
        out.stderr +=
            subs.isEmpty
            ? "\(topic): \(topic) [OPTIONS]\n" : "\(topic): \(topic) {\(subs.joined(separator: " | ")) | help}\n"
        return 0
    }

    mutating func listCommands() {
        let words =
            [
                "quit", "exit", "help", "--help", "version", "--version", "list-commands", "--list-commands",
                "--ignore_errors", "ignore_errors",
            ] + table.map(\.0)
        var line = ""
        for (i, word) in words.enumerated() {
            line += word.padding(toLength: 19, withPad: " ", startingAt: 0) + " "
            if i % 4 == 3 {
                out.stdout += line + "\n"
                line = ""
            }
        }
        if !line.isEmpty { out.stdout += line + "\n" }
    }

    /// Script mode: one command per line, stopping at the first failure unless `ignore_errors`.
    mutating func script(_ input: () -> String?) -> Int {
        var ignore = false
        var first = 0
        while let line = input() {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard !words.isEmpty else { continue }
            if words == ["ignore_errors"] || words == ["--ignore_errors"] {
                ignore = true
                continue
            }
            if words[0] == "exit" || words[0] == "quit" { break }
            let names = table.map(\.0) + ["help", "--help", "version", "--version", "list-commands", "--list-commands"]
            guard names.contains(where: { $0.lowercased().hasPrefix(words[0].lowercased()) }) else {
                // An unknown command prints the usage; unless errors are ignored,
                // the session ends with the usage once more, exit 0 (6.1's lnetctl on a pipe).
                _ = help([])
                if ignore { continue }
                _ = help([])
                return first
            }
            let rc = dispatch(words, prefixMatch: true)
            if rc != 0 {
                if first == 0 { first = rc }
                if !ignore { return rc }
            }
        }
        return first
    }

    // MARK: Output helpers

    /// Printer A error block on stderr; returns -EINVAL (exit 234), as every Netlink error does.
    /// A Netlink request's error block on stderr. Where the error comes from the kernel, the one
    /// the simulator is held to (6.1, the kit's) sends no extended ack, so lnetctl says
    /// "Unspecific failure" where a 6.12 kernel says "LNet stack down" or "Network is down";
    /// lnetctl's own errors (a NID list that does not parse) keep their text.
    mutating func netlinkError(_ op: String, _ object: String, _ errno: Int, _ descr: String) -> Int {
        out.stderr += YAMLPrinter.libyamlError(op: op, object: object, errno: errno, descr: Self.netlinkText(descr))
        return -22
    }

    /// What lnetctl prints for a Netlink error whose extended ack would say `descr`.
    static func netlinkText(_ descr: String) -> String {
        ["LNet stack down", "Network is down"].contains(descr) ? "Unspecific failure" : descr
    }

    /// Printer B error block on stderr.
    mutating func cyamlError(
        _ command: String, _ entity: String, _ errno: Int, _ descr: String, style: YTree.Style = .plain
    ) {
        out.stderr += YAMLPrinter.cyamlError(command: command, entity: entity, errno: errno, descr: descr, style: style)
    }

    /// Parses a subcommand's options; on a bad option prints what ``badOption(_:help:)`` does
    /// and returns nil (the subcommand then exits 0, as the real tool does).
    /// `quiet`: glibc's message is not printed (the subcommand scans its options with `opterr`
    /// off first, as `net add` does).
    mutating func parseOptions(
        _ args: [String], program: String, _ options: [GetOpt.Option], help: String, quiet: Bool = false
    ) -> GetOpt.Result? {
        switch GetOpt(program: program, options: options).parse(args) {
        case .failure(let f):
            if quiet { out.stdout += help + "\n" } else { _ = badOption(f, help: help) }
            return nil
        case .success(let r): return r
        }
    }

    /// glibc's message for a bad option, then the subcommand's help on stdout; exit 0.
    mutating func badOption(_ failure: GetOpt.Failure, help: String) -> Int {
        out.stderr += failure.message + "\n"
        out.stdout += help + "\n"
        return 0
    }

    static func strerror(_ errno: Int) -> String {
        String(cString: Glibc.strerror(Int32(abs(errno))))
    }
}
