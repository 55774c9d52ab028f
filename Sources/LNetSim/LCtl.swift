import Foundation
import LUTFCore

/// The simulated `lctl`: the LNet and debug commands tests use.
public struct LCtl {
    let node: SimNode
    var out = SimOutput()

    static let commands = [
        "network", "list_nids", "ping", "net_drop_add", "net_drop_del", "net_drop_reset", "net_drop_list",
        "net_delay_add", "net_delay_del", "net_delay_reset", "net_delay_list", "net_drop", "net_delay", "mark",
        "dk", "debug_kernel", "clear", "get_param", "set_param", "help", "--help", "--version", "version",
        "list-commands", "--list-commands",
    ]

    public static func main(_ args: [String], environment: [String: String]) -> SimOutput {
        let node: SimNode
        do {
            node = try SimNode.fromEnvironment(environment)
        } catch {
            return SimOutput(tool: "lctl", failure: error)
        }
        var tool = LCtl(node: node)
        var rc: Int
        do {
            rc = try tool.dispatch(args)
        } catch {
            tool.out.stderr += "lctl: \(error)\n"
            rc = 5
        }
        tool.out.status = Int32(UInt8(truncatingIfNeeded: abs(rc)))
        return tool.out
    }

    mutating func dispatch(_ args: [String]) throws -> Int {
        guard let command = args.first else {
            out.stderr += "lctl: interactive mode is not supported by the LNet simulator\n"
            return 1
        }
        var rest = Array(args.dropFirst())
        switch command {
        case "network": return try network(rest)
        case "list_nids": return listNIDs(rest)
        case "ping": return try ping(rest)
        case "net_drop", "net_delay":
            guard let sub = rest.first else {
                out.stdout += "usage: \(command) {add | del | reset | list} ...\n"
                return 22
            }
            rest.removeFirst()
            return try fault(command == "net_drop" ? "drop" : "delay", sub, rest, name: "\(command)_\(sub)")
        case "net_drop_add", "net_drop_del", "net_drop_reset", "net_drop_list":
            return try fault("drop", String(command.dropFirst("net_drop_".count)), rest, name: command)
        case "net_delay_add", "net_delay_del", "net_delay_reset", "net_delay_list":
            return try fault("delay", String(command.dropFirst("net_delay_".count)), rest, name: command)
        case "mark": return try mark(rest)
        case "dk", "debug_kernel": return try debugKernel(rest)
        case "clear":
            try node.modify { $0.debugLog = [] }
            return 0
        case "get_param": return getParam(rest)
        case "set_param": return try setParam(rest)
        case "version", "--version":
            out.stdout += "lctl \(LNetCtl.version)\n"
            return 0
        case "help", "--help", "list-commands", "--list-commands":
            out.stdout +=
                "Available commands are:\n" + Self.commands.filter { !$0.hasPrefix("-") }.joined(separator: "\n") + "\n"
            return 0
        default:
            out.stderr += "lctl: '\(command)' is not a valid command. See 'lctl --list-commands'.\n"
            return 1
        }
    }

    // MARK: network, list_nids, ping

    mutating func network(_ args: [String]) throws -> Int {
        guard let word = args.first else {
            out.stderr += "usage: network <up|down|configure|unconfigure|net>\n"
            return 22
        }
        var tool = LNetCtl(node: node)
        switch word {
        case "up", "configure":
            let overridden = node.load().configured
            _ = try tool.lnetConfigure(["--all"])
            out.stdout +=
                overridden && args.contains("-l")
                ? "LNET configured: Overridden existing one\n" : "LNET configured: New Created\n"
            return 0
        case "down", "unconfigure":
            let rc = try tool.lnetUnconfigure([])
            if rc != 0 {
                out.stderr += "LNET busy\n"
                return 16
            }
            out.stdout += "LNET ready to unload\n"
            return 0
        default:
            guard LNetNet(parsing: word) != nil else {
                out.stderr += "Can't parse net \(word)\n"
                return 22
            }
            return 0
        }
    }

    mutating func listNIDs(_ args: [String]) -> Int {
        let state = node.load()
        guard state.configured else {
            out.stderr += "Reader error: 'Unspecific failure' at 0\nIOC_LIBCFS_GET_NI error 100: Network is down\n"
            return 1
        }
        let all = args.first == "all"
        for ni in state.allNIs where all || ni.nid != .loopback { out.stdout += ni.nid.description + "\n" }
        return 0
    }

    mutating func ping(_ args: [String]) throws -> Int {
        guard let target = args.first else {
            out.stderr += "usage: ping id [timeout (secs)]\n"
            return 22
        }
        var timeout = 180.0
        if args.count > 1 {
            guard let t = Double(args[1]) else {
                out.stderr += "usage: ping id [timeout (secs)]\n"
                return 22
            }
            guard t <= 120 else {
                out.stderr += "Timeout \(args[1]) is to large\n"
                return 22
            }
            timeout = t
        }
        var nidText = target
        if let dash = target.firstIndex(of: "-"), target[..<dash].allSatisfy(\.isNumber) {
            guard !target[..<dash].isEmpty else {
                out.stderr += "Invalid PID argument \"\(target)\"\n"
                return 22
            }
            nidText = String(target[target.index(after: dash)...])
        }
        guard let nid = try? NID(parsing: nidText) else {
            out.stderr += "Invalid NID argument \"\(target)\"\n"
            return 22
        }
        guard node.load().configured else {
            out.stdout += "failed to ping \(target): Network is down\n"
            return 100
        }
        let result = try Fabric(node: node).ping(nid, source: nil, timeout: timeout)
        if let (errno, text) = result.failure {
            out.stdout += "failed to ping \(target): \(text)\n"
            return abs(errno)
        }
        out.stdout += "12345-0@lo\n"
        for reply in result.reply { out.stdout += reply.description + "\n" }
        return 0
    }

    // MARK: fault rules

    mutating func fault(_ kind: String, _ sub: String, _ args: [String], name: String) throws -> Int {
        var tool = LNetCtl(node: node)
        switch sub {
        case "add":
            guard !args.isEmpty else {
                out.stderr += "Failed, please provide source, destination and rate of rule\n"
                return 22
            }
            if let bad = args.first(where: {
                $0.hasPrefix("-") && !Self.faultFlags.contains($0.split(separator: "=").first.map(String.init) ?? $0)
            }) {
                out.stderr += "error: \(name): option '\(bad)' unrecognized\n"
                return 22
            }
            var rc = 0
            guard let rule = tool.parseRule(kind, args, rc: &rc) else {
                out.stdout += tool.out.stdout
                out.stderr += tool.out.stderr
                return 22
            }
            guard try LNetCtl.addRule(kind, rule, node: node) else {
                out.stdout += "failed to add \(kind) rule: Network is down\n"
                return 100
            }
            return 0
        case "del":
            let rc = try tool.faultDel(kind, args.isEmpty ? ["--bad"] : args)
            out.stdout += tool.out.stdout
            out.stderr += tool.out.stderr
            return rc == 0 ? 0 : rc == -2 ? 2 : 22
        case "reset":
            _ = try tool.faultReset(kind, ["all"])
            return 0
        case "list":
            let state = node.load()
            let rules = kind == "drop" ? state.dropRules : state.delayRules
            if !rules.isEmpty { out.stderr += "LNet \(kind) rules:\n" }
            if rules.isEmpty {
                out.stdout +=
                    kind == "drop"
                    ? "0@<0:0>->0@<0:0> (1/0 | 0) ptl 0, msg 0, 0/0, PUT 0, ACK 0, GET 0, REP 0\n"
                    : "0@<0:0>->0@<0:0> (1/0 | 0, latency 0) ptl 0, msg 0, 0/0, PUT 0, ACK 0, GET 0, REP 0\n"
            }
            // Newest first; `*` is LNET_NID_ANY, which lctl prints as 0.0.0.0@tcp.
            for rule in rules.reversed() {
                let ptl = rule.portalMask == 0 ? "0" : "0x" + String(rule.portalMask, radix: 16)
                let timing =
                    kind == "drop"
                    ? "(1/\(rule.rate) | \(rule.interval))"
                    : "(1/\(rule.rate) | \(rule.interval), latency \(rule.latency))"
                out.stdout +=
                    "\(FaultRule.listed(rule.source))->\(FaultRule.listed(rule.destination)) \(timing) ptl \(ptl), msg \(String(rule.messageMask, radix: 16)), \(rule.applied)/\(rule.matched), PUT \(rule.put), ACK \(rule.ack), GET \(rule.get), REP \(rule.reply)\n"
            }
            out.stdout += "found total \(rules.count)\n"
            return 22  // the Netlink path of the real tool always returns EINVAL here
        default:
            out.stderr += "lctl: '\(name)' is not a valid command. See 'lctl --list-commands'.\n"
            return 1
        }
    }

    static let faultFlags: Set<String> = [
        "-s", "--source", "-d", "--dest", "-r", "--rate", "-i", "--interval", "-m", "--message", "-p", "--portal",
        "-o", "--local_nid", "-e", "--health_error", "-n", "--random", "-x", "--drop_all", "-l", "--latency", "-a",
        "--all",
    ]

    // MARK: debug buffer

    mutating func mark(_ args: [String]) throws -> Int {
        let text = args.isEmpty ? Self.ctime() : args.joined(separator: " ")
        try node.modify { state in
            state.debugLog.append(
                DebugRecord(
                    subsystem: 0, mask: 0x0200_0400, location: "debug.c:1176:libcfs_debug_mark_buffer()",
                    text: "DEBUG MARKER: \(text)"))
        }
        return 0
    }

    static func ctime() -> String {
        var t = time(nil)
        var buffer = [CChar](repeating: 0, count: 64)
        ctime_r(&t, &buffer)
        return String(decoding: buffer.prefix { $0 != 0 && $0 != 10 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    mutating func debugKernel(_ args: [String]) throws -> Int {
        let file = args.first { $0 != "raw" }
        let records = try node.modify { state -> [DebugRecord] in
            defer { state.debugLog = [] }
            return state.debugLog
        }
        let mask = node.load().debugMask
        let kept = records.filter { $0.mask & mask != 0 || $0.subsystem == 0 }
        let text = kept.map { $0.line + "\n" }.joined()
        if let file {
            try text.write(toFile: file, atomically: true, encoding: .utf8)
        } else {
            out.stdout += text
        }
        out.stdout +=
            "Debug log: \(records.count) lines, \(kept.count) kept, \(records.count - kept.count) dropped, 0 bad.\n"
        return 0
    }

    // MARK: parameters

    static let debugPath = "/sys/kernel/debug/lnet/debug"

    mutating func getParam(_ args: [String]) -> Int {
        let valueOnly = args.contains("-n")
        let names = args.filter { !$0.hasPrefix("-") }
        guard !names.isEmpty else {
            out.stderr += "error: get_param: no parameter name given\n"
            return 22
        }
        let state = node.load()
        for name in names {
            let value: String
            switch name {
            case "debug": value = DebugLog.text(state.debugMask)
            case "subsystem_debug": value = "lnet lnd"
            case "debug_mb": value = "100"
            default:
                out.stderr += "error: get_param: param_path '\(name)': No such file or directory\n"
                return 2
            }
            out.stdout += valueOnly ? value + "\n" : "\(name)=\(value)\n"
        }
        return 0
    }

    mutating func setParam(_ args: [String]) throws -> Int {
        let quiet = args.contains("-n")
        for arg in args where !arg.hasPrefix("-") {
            guard let equals = arg.firstIndex(of: "=") else {
                out.stderr += "error: set_param: setting \(arg): Invalid argument\n"
                return 22
            }
            let name = String(arg[..<equals])
            let value = String(arg[arg.index(after: equals)...])
            guard name == "debug" else {
                out.stderr += "error: set_param: param_path '\(name)': No such file or directory\n"
                return 2
            }
            let applied = try node.modify { state -> Bool in
                guard let mask = DebugLog.apply(value, to: state.debugMask) else { return false }
                state.debugMask = mask
                return true
            }
            guard applied else {
                out.stderr += "error: set_param: setting \(Self.debugPath)=\(value): Invalid argument\n"
                out.stderr += "error: set_param: setting '\(name)'='\(value)': Invalid argument\n"
                return 22
            }
            if !quiet { out.stdout += "debug=\(value)\n" }
        }
        return 0
    }
}
