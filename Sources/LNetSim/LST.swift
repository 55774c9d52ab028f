import Foundation
import LUTFCore

/// The simulated `lst` (lnet_selftest console). Traffic is modelled, not sent: while a batch
/// runs, each test moves RPCs between the nodes of its groups at a steady rate wherever the
/// fabric lets messages through (same net or routed, interfaces up, no drop rule), and the nodes'
/// LNet counters move with it.
public struct LST {
    let node: SimNode
    let environment: [String: String]
    var out = SimOutput()

    static let usages: [String: String] = [
        "new_session": "Usage: lst new_session [--timeout TIME] [--force] [NAME]",
        "end_session": "Usage: lst end_session",
        "add_group": "Usage: lst group NAME IDs [IDs]...",
        "add_batch": "Usage: lst add_batch NAME",
        "add_test":
            "Usage: lst add_test [--batch BATCH] [--loop #] [--concurrency #]  [--distribute #:#] [--from GROUP] [--to GROUP] TEST...",
        "run": "Usage: lst run [--timeout TIME] [NAME]",
        "stop": "Usage: lst stop [--force] BATCH_NAME",
        "stat":
            "Usage: lst stat [--bw] [--rate] [--read] [--write] [--max] [--min]  [--avg] [--mbs] [--timeout #] [--delay #] [--count #] GROUP [GROUP]",
        "show_error": "Usage: lst show_error NAME | IDS ...",
    ]

    public static func main(_ args: [String], environment: [String: String]) -> SimOutput {
        let node: SimNode
        do {
            node = try SimNode.fromEnvironment(environment)
        } catch {
            return SimOutput(tool: "lst", failure: error)
        }
        var tool = LST(node: node, environment: environment)
        var rc: Int
        do {
            rc = try tool.dispatch(args)
        } catch {
            tool.out.stderr += "lst: \(error)\n"
            rc = -1
        }
        tool.out.status = Int32(UInt8(truncatingIfNeeded: rc))
        return tool.out
    }

    var key: Int? {
        environment["LST_SESSION"].flatMap { Int($0) }.flatMap { $0 == 0 ? nil : $0 }
    }

    mutating func usage(_ command: String) -> Int {
        out.stdout += (Self.usages[command] ?? "Usage: lst \(command)") + "\n"
        return 4
    }

    mutating func dispatch(_ args: [String]) throws -> Int {
        guard let command = args.first else {
            out.stderr += "lst: interactive mode is not supported by the LNet simulator\n"
            return -1
        }
        let rest = Array(args.dropFirst())
        let known = [
            "new_session", "end_session", "show_session", "add_group", "add_batch", "add_test", "run", "stop", "stat",
            "show_error", "list_group", "list_batch",
        ]
        guard known.contains(command) else {
            out.stderr += "lst: '\(command)' is not a valid command. See 'lst --list-commands'.\n"
            return -1
        }
        if command != "new_session" && command != "show_session" && key == nil {
            out.stderr += "Can't find env LST_SESSION or value is not valid\n"
            return -1
        }
        guard node.load().configured else {
            out.stderr += "Reader error: 'Unspecific failure' at 0\n"
            return -1
        }
        switch command {
        case "new_session": return try newSession(rest)
        case "end_session": return try endSession()
        case "show_session": return showSession()
        case "add_group": return try addGroup(rest)
        case "add_batch": return try addBatch(rest)
        case "add_test": return try addTest(rest)
        case "run": return try run(rest)
        case "stop": return try stop(rest)
        case "stat": return try stat(rest)
        case "show_error": return try showError(rest)
        case "list_group":
            let session = node.load().lst.session
            for name in session?.groupOrder ?? [] { out.stdout += "\(name)\n" }
            return 0
        default:
            let session = node.load().lst.session
            for name in (session?.batches.keys).map(Array.init)?.sorted() ?? [] { out.stdout += "\(name)\n" }
            return 0
        }
    }

    /// The session, if `LST_SESSION` matches it; else prints why not.
    mutating func session(_ state: SimState) -> LSTSession? {
        guard let session = state.lst.session else {
            out.stderr += "No session exists\n"
            return nil
        }
        guard session.key == key else {
            out.stderr += "Unmatched session key or not root\n"
            return nil
        }
        return session
    }

    // MARK: Sessions

    mutating func newSession(_ args: [String]) throws -> Int {
        var timeout = 300
        var force = false
        var name: String?
        var i = 0
        while i < args.count {
            switch args[i] {
            case "--timeout":
                guard i + 1 < args.count, let t = Int(args[i + 1]) else { return usage("new_session") }
                guard t > 0 else {
                    out.stdout += "Invalid timeout value\n"
                    return -1
                }
                timeout = t
                i += 1
            case "--force":
                force = true
            default:
                if args[i].hasPrefix("-") { return usage("new_session") }
                name = args[i]
            }
            i += 1
        }
        let sessionName = name ?? "\(environment["USER"] ?? "root")@\(HostInfo.hostname)"
        guard sessionName.count <= 31 else {
            out.stdout += "Name size is limited to 31\n"
            return -1
        }
        let sessionKey = key ?? Int(getpid())
        // Without --force while a session exists, the Netlink request fails and ends the old
        // session, and the legacy retry is refused (6.1, c881f8eb): no session is left.
        let refused = try node.modify { state -> Bool in
            if state.lst.session != nil && !force {
                state.lst.session = nil
                return true
            }
            state.lst.session = LSTSession(name: sessionName, key: sessionKey, timeout: timeout)
            return false
        }
        if refused {
            out.stderr += "Reader error: 'new session creation failed' at 0\n"
            out.stderr += "Failed to create session: Operation not supported\n"
            return -1
        }
        out.stdout += "SESSION: \(sessionName) FEATURES: 1 TIMEOUT: \(timeout) FORCE: \(force ? "Yes" : "No")\n"
        return 0
    }

    mutating func endSession() throws -> Int {
        // Ending when no session is left succeeds silently (6.1, c881f8eb).
        if node.load().lst.session == nil { return 0 }
        guard session(node.load()) != nil else { return -1 }
        try account(stopping: nil)
        try node.modify { $0.lst.session = nil }
        return 0
    }

    mutating func showSession() -> Int {
        guard let session = node.load().lst.session else {
            out.stderr += "Reader error: 'session is not active' at 0\nNo session exists\n"
            return -1
        }
        out.stdout +=
            "\(session.name) ID: \(session.key)@\(node.name), KEY: \(session.key) FEATURES: 1 NODES: \(Set(session.groups.values.flatMap { $0 }).count)\n"
        return 0
    }

    // MARK: Groups, batches, tests

    mutating func addGroup(_ args: [String]) throws -> Int {
        guard args.count >= 2 else { return usage("add_group") }
        let name = args[0]
        // Adding a node sends it the session: a node without lnet_selftest never answers (-110
        // after the RPC timeout) and the group is deleted.
        let fabric = Fabric(node: node)
        let members = fabric.members()
        for nid in args.dropFirst().flatMap({ Self.expand($0) ?? [] }) {
            guard let parsed = try? NID(parsing: nid), let owner = Fabric.owner(of: parsed, in: members) else {
                continue
            }
            // The session RPC: refused at once without a route up (-113), lost on the way (a
            // drop rule) or unheard (no lnet_selftest there) after its timeout (-110).
            let errno: Int
            if !owner.state.selftestLoaded {
                try fabric.sendUnheard(to: parsed, kind: NICounters.put, members: members)
                errno = -110
            } else if let failure = try fabric.sessionRPCFailure(to: parsed, members: members) {
                errno = failure
            } else {
                continue
            }
            out.stderr += "create session RPC failed on \(Self.rpcName(parsed)): Unknown error \(errno)\n"
            out.stderr += "No nodes added successfully, deleting group \(name)\n"
            out.stdout += "Group is deleted\n"
            return -2
        }
        return try modifySession { tool, s in
            if s.groups[name] != nil {
                tool.out.stderr += "group already exists\n"
                return -1
            }
            var nids: [String] = []
            for ids in args.dropFirst() {
                guard let expanded = Self.expand(ids), !expanded.isEmpty else {
                    tool.out.stderr += "Invalid nid: \(ids)\nIgnore invalid id list \(ids)\n"
                    continue
                }
                nids += expanded
                tool.out.stdout += "\(ids) are added to session\n"
            }
            guard !nids.isEmpty else {
                // Exit 0 on 6.1 (the group is gone all the same).
                tool.out.stderr += "No nodes added successfully, deleting group \(name)\n"
                tool.out.stdout += "Group is deleted\n"
                return 0
            }
            s.groups[name] = nids
            s.groupOrder.append(name)
            return 0
        }
    }

    /// How 6.1's lst names a node in its RPC errors: the large-NID address printed through the
    /// old format (`0-200@<0:266>` for any address on tcp, `0-1000200@<0:522>` on tcp1).
    static func rpcName(_ nid: NID) -> String {
        let type = LNetCtl.lndNumbers[nid.net.type] ?? 0
        let number = nid.net.number
        return "0-" + String((number << 24) | (type << 8), radix: 16) + "@<0:\((number + 1) * 256 + 10)>"
    }

    /// Runs `body` on the session `LST_SESSION` names, read and written back under the node's
    /// lock (so concurrent lst commands lose no update); prints why there is none (-1).
    mutating func modifySession(_ body: (inout LST, inout LSTSession) throws -> Int) throws -> Int {
        var tool = self
        defer { self = tool }
        return try node.modify { state -> Int in
            guard var s = tool.session(state) else { return -1 }
            let rc = try body(&tool, &s)
            state.lst.session = s
            return rc
        }
    }

    /// lst's ID lists: `[...]` ranges anywhere, NIDs parsed the classic way; `nil` if invalid.
    static func expand(_ text: String) -> [String]? {
        guard let items = try? NIDList.expandBrackets(text) else { return nil }
        var out: [String] = []
        for item in items {
            guard let nid = try? NID(parsing: item) else { return nil }
            out.append(nid.description)
        }
        return out
    }

    mutating func addBatch(_ args: [String]) throws -> Int {
        guard args.count == 1 else { return usage("add_batch") }
        return try modifySession { tool, s in
            guard s.batches[args[0]] == nil else {
                tool.out.stderr += "batch already exists\n"
                return -1
            }
            s.batches[args[0]] = LSTBatch()
            return 0
        }
    }

    mutating func addTest(_ args: [String]) throws -> Int {
        var batch = "batch"
        var loop = -1
        var concurrency = 1
        var distribute = "1:1"
        var from: String?
        var to: String?
        var words: [String] = []
        var i = 0
        while i < args.count {
            let arg = args[i]
            let needsValue = ["--batch", "--loop", "--concurrency", "--distribute", "--from", "--to"].contains(arg)
            if needsValue && i + 1 >= args.count { return usage("add_test") }
            switch arg {
            case "--batch": batch = args[i + 1]
            case "--loop": loop = Int(args[i + 1]) ?? -1
            case "--concurrency":
                guard let c = Int(args[i + 1]), (1...1024).contains(c) else {
                    out.stderr += "Invalid concurrency of test: \(args[i + 1])\n"
                    return -1
                }
                concurrency = c
            case "--distribute": distribute = args[i + 1]
            case "--from": from = args[i + 1]
            case "--to": to = args[i + 1]
            default:
                words.append(arg)
                i += 1
                continue
            }
            i += 2
        }
        guard let from, let to, let kind = words.first else { return usage("add_test") }
        guard kind == "ping" || kind == "brw" else {
            out.stderr += "Unknow test name \(kind)\nFailed to add test (\(kind))\n"
            return -1
        }
        var write = false
        var size = 4096
        for word in words.dropFirst() {
            if kind == "ping" {
                out.stdout += "Unknow parameter: \(word)\n"
                return -1
            }
            switch word {
            case "read", "r": write = false
            case "write", "w": write = true
            case "skip_rx_copy": break
            default:
                if word.hasPrefix("size=") {
                    guard let s = Self.size(String(word.dropFirst(5))), s > 0, s <= 1 << 20 else {
                        out.stdout += "Unknow parameter: \(word)\n"
                        return -1
                    }
                    size = s
                } else if word.hasPrefix("check=") || word.hasPrefix("c=") || word.hasPrefix("off=") {
                    continue
                } else {
                    out.stdout += "Unknow parameter: \(word)\n"
                    return -1
                }
            }
        }
        let test = LSTTest(
            kind: kind, from: from, to: to, loop: loop, concurrency: concurrency, distribute: distribute,
            write: write, size: size)
        return try modifySession { tool, s in
            guard var b = s.batches[batch], s.groups[from] != nil, s.groups[to] != nil else {
                tool.out.stderr += "Can't find test in current session\n"
                return -1
            }
            b.tests.append(test)
            if let started = b.startedAt {
                // Added to a running batch: its traffic counts from now on.
                b.accounted.append(Int(Self.rate(test) * (Date().timeIntervalSince1970 - started)))
            }
            s.batches[batch] = b
            tool.out.stdout += "Test was added successfully\n"
            return 0
        }
    }

    static func size(_ text: String) -> Int? {
        let lower = text.lowercased()
        if lower.hasSuffix("k") { return Int(lower.dropLast()).map { $0 << 10 } }
        if lower.hasSuffix("m") { return Int(lower.dropLast()).map { $0 << 20 } }
        return Int(lower)
    }

    // MARK: run, stop

    mutating func run(_ args: [String]) throws -> Int {
        var name = "batch"
        var i = 0
        while i < args.count {
            if args[i] == "--timeout" {
                i += 2
                continue
            }
            name = args[i]
            i += 1
        }
        // With no session the batch's node count is asked of nobody: ESRCH (6.1, c881f8eb).
        if node.load().lst.session == nil {
            out.stderr += "Failed to get count of nodes from \(name): No such process\n"
            return -1
        }
        return try modifySession { tool, s in
            guard var batch = s.batches[name] else {
                tool.out.stderr += "Failed to get count of nodes from \(name): No such file or directory\n"
                return -1
            }
            batch.startedAt = Date().timeIntervalSince1970
            batch.accounted = Array(repeating: 0, count: batch.tests.count)
            s.batches[name] = batch
            tool.out.stdout += "\(name) is running now\n"
            return 0
        }
    }

    mutating func stop(_ args: [String]) throws -> Int {
        let name = args.last { !$0.hasPrefix("-") } ?? "batch"
        let state = node.load()
        guard let s = session(state) else { return -1 }
        guard s.batches[name] != nil else {
            out.stderr += "Failed to get count of nodes from \(name): No such file or directory\n"
            return -1
        }
        try account(stopping: name)
        if let batch = s.batches[name], batch.startedAt != nil {
            // The test nodes still running it, once, before they stop.
            let nodes = Set(batch.tests.flatMap { s.groups[$0.from] ?? [] })
            if !nodes.isEmpty { out.stdout += "\(nodes.count) batch in stopping\n" }
        }
        out.stdout += "Batch is stopped\n"
        return 0
    }

    // MARK: Traffic model

    /// RPCs per second one sender produces for a test (concurrency-bound for small messages,
    /// bandwidth-bound for large ones).
    static func rate(_ test: LSTTest) -> Double {
        let byConcurrency = Double(test.concurrency) * (test.kind == "ping" ? 4000 : 2500)
        guard test.kind == "brw" else { return byConcurrency }
        let bandwidth = 1_200.0 * 1_048_576  // ~1.2 GiB/s per sender
        return min(byConcurrency, bandwidth / Double(test.size))
    }

    /// Whether messages from `source` reach `destination` now, without side effects.
    func reachable(from source: NID, to destination: NID, members all: [Fabric.Member]) -> Bool {
        guard
            let sender = all.first(where: { $0.state.niIndex(source) != nil })
                ?? all.first(where: {
                    $0.state.configured
                        && $0.state.nets.contains { net in net.nis.contains { $0.nid.net == destination.net } }
                })
        else { return false }
        guard let receiver = Fabric.owner(of: destination, in: all) else { return false }
        let senderNI =
            sender.state.niIndex(source) != nil
            ? source : (sender.state.nets.first { $0.net == destination.net }?.nis.first?.nid ?? source)
        let sameNet = senderNI.net == destination.net
        if sameNet {
            guard Fabric.usable(senderNI, on: sender), Fabric.usable(destination, on: receiver) else { return false }
        } else {
            // Requests go through a router, and replies need one back (the receiver's own route).
            func routed(from member: Fabric.Member, to net: LNetNet) -> Bool {
                member.state.routes.contains { route in
                    route.net == net
                        && (Fabric.owner(of: route.gateway, in: all).map {
                            $0.state.routing == 1 && Fabric.usable(route.gateway, on: $0)
                        } ?? false)
                }
            }
            guard routed(from: sender, to: destination.net), routed(from: receiver, to: senderNI.net),
                Fabric.usable(destination, on: receiver)
            else { return false }
        }
        for member in [sender, receiver] {
            if member.state.dropRules.contains(where: {
                FaultRule.matches($0.source, senderNI) && FaultRule.matches($0.destination, destination)
                    && ($0.rate == 1 || $0.dropAll)
            }) {
                return false
            }
        }
        return true
    }

    /// Per node of the session: RPCs sent and received per second, bytes per second, and errors.
    struct Flow {
        var sentRPC = 0.0
        var receivedRPC = 0.0
        var sentBytes = 0.0
        var receivedBytes = 0.0
        var errors = 0.0
    }

    func flows(_ s: LSTSession, members all: [Fabric.Member]) -> [String: Flow] {
        var flows: [String: Flow] = [:]
        for batch in s.batches.values where batch.startedAt != nil {
            for test in batch.tests {
                let senders = s.groups[test.from] ?? []
                let receivers = s.groups[test.to] ?? []
                guard !senders.isEmpty, !receivers.isEmpty else { continue }
                let perSender = Self.rate(test)
                for sender in senders {
                    guard let source = try? NID(parsing: sender) else { continue }
                    for receiver in receivers {
                        guard let destination = try? NID(parsing: receiver) else { continue }
                        let share = perSender / Double(receivers.count)
                        if reachable(from: source, to: destination, members: all) {
                            let bytes = test.kind == "brw" ? share * Double(test.size) : share * 56
                            flows[sender, default: Flow()].sentRPC += share
                            flows[receiver, default: Flow()].receivedRPC += share
                            // Data flows from --from to --to for writes, back for reads.
                            if test.write || test.kind == "ping" {
                                flows[sender, default: Flow()].sentBytes += bytes
                                flows[receiver, default: Flow()].receivedBytes += bytes
                            } else {
                                flows[receiver, default: Flow()].sentBytes += bytes
                                flows[sender, default: Flow()].receivedBytes += bytes
                            }
                        } else {
                            flows[sender, default: Flow()].errors += share
                        }
                    }
                }
            }
        }
        return flows
    }

    /// Applies the traffic of running batches since they were last accounted to the nodes' LNet
    /// counters; `stopping` (or every batch, when nil with the session ending) stops.
    mutating func account(stopping: String?) throws {
        let all = Fabric(node: node).members()
        let now = Date().timeIntervalSince1970
        // (source, destination, RPCs, delivered), worked out and marked as accounted under the
        // node's lock, so that concurrent commands never count the same traffic twice.
        let sends = try node.modify { state -> [(NID, NID, Int, Bool)] in
            guard var s = state.lst.session else { return [] }
            var sends: [(NID, NID, Int, Bool)] = []
            for (name, batch) in s.batches where batch.startedAt != nil {
                var batch = batch
                if batch.accounted.count < batch.tests.count {
                    batch.accounted += Array(repeating: 0, count: batch.tests.count - batch.accounted.count)
                }
                for (index, test) in batch.tests.enumerated() {
                    let total = Int(Self.rate(test) * (now - batch.startedAt!))
                    let delta = total - batch.accounted[index]
                    guard delta > 0 else { continue }
                    batch.accounted[index] = total
                    let senders = s.groups[test.from] ?? []
                    let receivers = s.groups[test.to] ?? []
                    for sender in senders {
                        guard let source = try? NID(parsing: sender) else { continue }
                        for receiver in receivers {
                            guard let destination = try? NID(parsing: receiver) else { continue }
                            let count = max(1, delta / max(1, receivers.count))
                            sends.append(
                                (source, destination, count, reachable(from: source, to: destination, members: all)))
                        }
                    }
                }
                if stopping == nil || stopping == name { batch.startedAt = nil }
                s.batches[name] = batch
            }
            state.lst.session = s
            return sends
        }
        guard !sends.isEmpty else { return }
        for member in all {
            try member.node.modify { state in
                for (source, destination, count, delivered) in sends {
                    if state.niIndex(source) != nil {
                        state.add(sent: count, from: source, to: destination, delivered: delivered)
                    }
                    if delivered && state.niIndex(destination) != nil {
                        state.add(received: count, at: destination, from: source)
                    }
                }
            }
        }
    }

    // MARK: stat, show_error

    mutating func stat(_ args: [String]) throws -> Int {
        var delay = 5
        var count = -1
        var showRate = true
        var showBW = true
        var read = true
        var write = true
        var which: Set<String> = []
        var mbs = false
        var groups: [String] = []
        var i = 0
        while i < args.count {
            let arg = args[i]
            switch arg {
            case "--delay", "--timeout", "--count":
                guard i + 1 < args.count, let v = Int(args[i + 1]) else { return usage("stat") }
                if arg == "--count" {
                    guard v >= -1 else {
                        out.stderr += "Invalid count value\n"
                        return -1
                    }
                    count = v
                } else {
                    guard v > 0 else {
                        out.stderr += "Invalid timeout or delay value\n"
                        return -1
                    }
                    if arg == "--delay" { delay = v }
                }
                i += 1
            case "--bw": showRate = false
            case "--rate": showBW = false
            // Inverted on 6.1 (c881f8eb): --read shows the [W] lines, --write the [R] ones.
            case "--read": read = false
            case "--write": write = false
            case "--avg": which.insert("Avg")
            case "--min": which.insert("Min")
            case "--max": which.insert("Max")
            case "--mbs": mbs = true
            default:
                if arg.hasPrefix("-") { return usage("stat") }
                groups.append(arg)
            }
            i += 1
        }
        guard !groups.isEmpty else { return usage("stat") }
        if which.isEmpty { which = ["Avg", "Min", "Max"] }
        let state = node.load()
        guard let s = session(state) else { return -1 }
        var resolved: [(String, [String])] = []
        for group in groups {
            if let nids = s.groups[group] {
                resolved.append((group, nids))
            } else if let nids = Self.expand(group) {
                resolved.append((group, nids))
            } else {
                out.stderr += "Can't find stat in current session\n"  // sic: 6.1 names the command
                return -1
            }
        }
        var printed = 0
        // The real tool's first sample is silent and only sets the baseline, so its first
        // output comes `delay` seconds in: here each of the `count` samples waits `delay`
        // seconds, then prints the rates modelled at that time.
        while count < 0 || printed < count {
            Thread.sleep(forTimeInterval: Double(delay))
            try account(stopping: "")
            let current = node.load().lst.session ?? s
            let members = Fabric(node: node).members()
            let flows = flows(current, members: members)
            for (name, nids) in resolved {
                let nodeFlows = nids.map { flows[$0] ?? Flow() }
                let unit = mbs ? 1_000_000.0 : 1_048_576.0
                // `Label: VALUE UNIT ` per figure, as lst prints them: a rate's Max has no space
                // after it, a bandwidth's unit is padded to 5 (`MB/s  `).
                func line(_ tag: String, _ values: [Double], format: String, unitText: String, trailing: String)
                    -> String
                {
                    var text = "[\(tag)] "
                    let stats: [(String, Double)] = [
                        ("Avg", values.reduce(0, +) / Double(max(values.count, 1))), ("Min", values.min() ?? 0),
                        ("Max", values.max() ?? 0),
                    ]
                    for (label, value) in stats where which.contains(label) {
                        let unit =
                            trailing.isEmpty ? unitText : unitText.padding(toLength: 5, withPad: " ", startingAt: 0)
                        text += "\(label): " + String(format: format, value) + " " + unit
                        text += trailing.isEmpty && label == "Max" ? "" : " "
                    }
                    return text + "\n"
                }
                if showRate {
                    out.stdout += "[LNet Rates of \(name)]\n"
                    if read {
                        out.stdout += line(
                            "R", nodeFlows.map(\.receivedRPC), format: "%-8.0f", unitText: "RPC/s", trailing: "")
                    }
                    if write {
                        out.stdout += line(
                            "W", nodeFlows.map(\.sentRPC), format: "%-8.0f", unitText: "RPC/s", trailing: "")
                    }
                }
                if showBW {
                    out.stdout += "[LNet Bandwidth of \(name)]\n"
                    let u = mbs ? "MB/s" : "MiB/s"
                    if read {
                        out.stdout += line(
                            "R", nodeFlows.map { $0.receivedBytes / unit }, format: "%-8.2f", unitText: u, trailing: " "
                        )
                    }
                    if write {
                        out.stdout += line(
                            "W", nodeFlows.map { $0.sentBytes / unit }, format: "%-8.2f", unitText: u, trailing: " ")
                    }
                }
                let failed = nids.filter { nid in
                    guard let n = try? NID(parsing: nid) else { return true }
                    return Fabric.owner(of: n, in: members) == nil
                }.count
                if failed > 0 { out.stdout += "Failed to stat on \(failed) nodes\n" }
            }
            printed += 1
        }
        return 0
    }

    mutating func showError(_ args: [String]) throws -> Int {
        let sessionOnly = args.contains("--session")
        let names = args.filter { !$0.hasPrefix("-") }
        guard !names.isEmpty else { return usage("show_error") }
        let state = node.load()
        guard let s = session(state) else { return -1 }
        try account(stopping: "")
        let current = node.load().lst.session ?? s
        let started = current.batches.values.compactMap(\.startedAt).min() ?? Date().timeIntervalSince1970
        let flows = flows(current, members: Fabric(node: node).members())
        let elapsed = max(0, Date().timeIntervalSince1970 - started)
        for name in names {
            guard let nids = current.groups[name] ?? Self.expand(name) else {
                out.stderr += "Can't find \(name) in current session\n"
                return -1
            }
            out.stdout += "\(name):\n"
            var erroneous = 0
            for nid in nids {
                let errors = Int((flows[nid]?.errors ?? 0) * elapsed)
                guard errors > 0 else { continue }
                erroneous += 1
                let rpc = sessionOnly ? "" : " [RPC: \(errors) errors, 0 dropped, \(errors) expired]"
                out.stderr += "12345-\(nid): [Session \(errors) brw errors, 0 ping errors]\(rpc)\n"
            }
            out.stdout += "Total \(erroneous) error nodes in \(name)\n"
        }
        return 0
    }
}

extension SimState {
    /// A message to peer NI `nid` timed out: its health falls by the sensitivity (not below 0).
    mutating func lowerHealth(ofPeerNI nid: NID) {
        guard let p = peerIndex(containing: nid), let i = peers[p].nis.firstIndex(where: { $0.nid == nid }) else {
            return
        }
        peers[p].nis[i].health = max(0, peers[p].nis[i].health - globals.healthSensitivity)
    }

    /// Counts `count` selftest RPCs sent from local NI `source` (lost ones count as drops and
    /// lower the peer NI's health).
    mutating func add(sent count: Int, from source: NID, to destination: NID, delivered: Bool) {
        stats["send_count"] += count
        if let (n, i) = niIndex(source) {
            nets[n].nis[i].counters.sendCount += count
            nets[n].nis[i].counters.sent[NICounters.put] += count
        }
        ensurePeer(destination, discovered: nil)
        if let p = peerIndex(containing: destination), let i = peers[p].nis.firstIndex(where: { $0.nid == destination })
        {
            peers[p].nis[i].counters.sendCount += count
            peers[p].nis[i].counters.sent[NICounters.put] += count
            if !delivered {
                peers[p].nis[i].counters.timeouts += count
                lowerHealth(ofPeerNI: destination)
                stats["remote_timeout_count"] += count
                stats["drop_count"] += count
            }
        }
    }

    /// Counts `count` selftest RPCs received on local NI `destination`.
    mutating func add(received count: Int, at destination: NID, from source: NID) {
        stats["recv_count"] += count
        if let (n, i) = niIndex(destination) {
            nets[n].nis[i].counters.recvCount += count
            nets[n].nis[i].counters.received[NICounters.put] += count
        }
        ensurePeer(source, discovered: nil)
        if let p = peerIndex(containing: source), let i = peers[p].nis.firstIndex(where: { $0.nid == source }) {
            peers[p].nis[i].counters.recvCount += count
            peers[p].nis[i].counters.received[NICounters.put] += count
        }
    }
}
