import Foundation

extension LNetCtl {
    static let faultAddHelp =
        "add LNet fault rule\n\t--source: source NID of the message (or '*')\n\t--dest: destination NID of the message (or '*')\n\t--rate: apply the rule to 1 message in RATE\n\t--interval: apply the rule once every INTERVAL seconds\n\t--message: message type (PUT, ACK, GET, REPLY)\n\t--portal: portal number (0-63)\n\t--local_nid: local NID the message is received on\n\t--health_error: health error to report (drop rules)\n\t--random: randomize within the interval (drop rules)\n\t--drop_all: drop every matching message (drop rules)\n\t--latency: seconds to delay (delay rules)\n"

    /// What `fault drop add` with no arguments prints (lustre c881f8eb).
    static let dropAddHelp = """
        drop add: add LNet drop rule
        \t--source nid:  Drop messages originating from <nid>.
        \t--dest nid:    Drop messages destined for <nid>.
        \t--rate r:      Drop messages at specified rate (1/<r>).
        \t--interval i:  Drop messages at specified time interval (seconds).
        \t--portal p:    Drop messages on specified portal.
        \t--message m:   Drop messages of specified type <PUT|ACK|GET|REPLY>.
        \t--health_error: Dropped messages simulate the specified health status
        \t                <local_timeout|remote_dropped|network_timeout|...>.


        """

    /// `lnetctl fault drop|delay add|del|reset|show`.
    mutating func fault(_ args: [String]) throws -> Int {
        guard let kind = args.first, kind == "drop" || kind == "delay" else {
            if let word = args.first, !["-h", "--help", "help"].contains(word) {
                out.stderr += "lnetctl: '\(word)' is not a valid command. See 'lnetctl --list-commands'.\n"
                return -1
            }
            for k in ["drop", "delay"] { out.stdout += "fault \(k): fault \(k) {add | del | reset | show}\n\n" }
            return args.isEmpty ? -22 : 1
        }
        let subs: [Sub] = [
            Sub(name: "add", help: Self.faultAddHelp) { t, a in try t.faultAdd(kind, a) },
            Sub(
                name: "del",
                help: "delete LNet fault rules\n\t--source: source NID\n\t--dest: destination NID\n\t--all: all rules\n"
            ) {
                t, a in try t.faultDel(kind, a)
            },
            Sub(name: "reset", help: "reset LNet fault rule counters\n") { t, a in try t.faultReset(kind, a) },
            Sub(name: "show", help: "show LNet fault rules\n") { t, a in t.faultShow(kind) },
        ]
        return try runSub("fault \(kind)", subs, Array(args.dropFirst()))
    }

    static let messageBits = ["ACK": 1, "PUT": 2, "GET": 4, "REPLY": 8]

    /// Parses the options of a drop/delay rule; prints the client-side error and returns `nil` on
    /// failure (with the return value in `rc`).
    mutating func parseRule(_ kind: String, _ args: [String], rc: inout Int) -> FaultRule? {
        var options: [GetOpt.Option] = [
            .init("source", "s"), .init("dest", "d"), .init("rate", "r"), .init("message", "m"),
            .init("portal", "p"), .init("local_nid", "o"),
        ]
        if kind == "drop" {
            options += [
                .init("interval", "i"), .init("health_error", "e"), .init("random", "n", .none),
                .init("drop_all", "x", .none),
            ]
        } else {
            options += [.init("latency", "l")]
        }
        // An option the real tool does not know (a delay rule's --interval) is reported and
        // skipped; its value is left as an argument, which nothing reads.
        let known = Set(options.flatMap { ["--" + $0.long] + ($0.short.map { ["-" + String($0)] } ?? []) })
        var args = args
        if let index = args.firstIndex(where: {
            $0.hasPrefix("-") && $0 != "-" && !known.contains($0.split(separator: "=").first.map(String.init) ?? $0)
        }) {
            out.stderr += "Unrecognized option ?\n"
            args.remove(at: index)
        }
        let p: GetOpt.Result
        switch GetOpt(program: "add", options: options).parse(args) {
        case .failure:
            out.stderr += "Unrecognized option ?\n"
            rc = -1
            return nil
        case .success(let r): p = r
        }
        guard let source = p.value("source"), let dest = p.value("dest") else {
            out.stderr +=
                kind == "drop"
                ? "Please provide both source and destination of drop rule\n"
                : "Please provide both source and destination of delay rule\n"
            rc = -1
            return nil
        }
        for nid in [source, dest] where !(nid == "*" || nid.hasPrefix("*@") || NID.isValid(nid)) {
            out.stderr += "Invalid NID: \(nid)\n"
            rc = -22
            return nil
        }
        var rule = FaultRule(source: source, destination: dest)
        rule.rate = p.value("rate").flatMap(strtolStrict) ?? 0
        rule.interval = p.value("interval").flatMap(strtolStrict) ?? 0
        if (rule.rate > 0) == (rule.interval > 0) && !(kind == "drop" && p.has("drop_all")) {
            out.stderr += "please provide either \(kind) rate or interval but not both at the same time.\n"
            rc = -1
            return nil
        }
        if p.has("random") && rule.interval == 0 {
            out.stderr += "please provide an interval to randomize\n"
            rc = -1
            return nil
        }
        var mask = 0
        for m in p.values("message") {
            guard let bit = Self.messageBits[m.uppercased()] else {
                out.stderr += "unknown message type \(m)\n"
                rc = -1
                return nil
            }
            mask |= bit
        }
        for portal in p.values("portal") {
            guard let v = strtolStrict(portal), (0...63).contains(v) else {
                out.stderr += "invalid portal: \(portal)\n"
                rc = -1
                return nil
            }
            rule.portalMask |= UInt64(1) << UInt64(v)
        }
        if rule.portalMask != 0 {
            mask = (mask == 0 ? 15 : mask) & (2 | 4)
            if mask == 0 {
                out.stdout += "failed to add \(kind) rule: Invalid input data or parameter\n"
                rc = -22
                return nil
            }
        }
        rule.messageMask = mask == 0 ? 15 : mask
        rule.localNID = p.value("local_nid")
        rule.healthError = p.value("health_error")
        rule.random = p.has("random")
        rule.dropAll = p.has("drop_all")
        if kind == "delay" {
            let latency = p.value("latency").flatMap(strtolStrict) ?? 0
            guard latency > 0 else {
                out.stderr += "latency cannot be zero\n"
                rc = -1
                return nil
            }
            rule.latency = latency
        }
        return rule
    }

    mutating func faultAdd(_ kind: String, _ args: [String]) throws -> Int {
        if args.isEmpty {
            out.stdout += kind == "drop" ? Self.dropAddHelp : "delay add: add LNet delay rule\n" + Self.faultAddHelp
            return -22
        }
        var rc = 0
        guard let rule = parseRule(kind, args, rc: &rc) else { return rc }
        guard try Self.addRule(kind, rule, node: node) else {
            out.stdout += "failed to add \(kind) rule: Network is down\n"
            return -100
        }
        return 0
    }

    /// Adds a drop or delay rule to `node` (for `lnetctl fault … add` and `lctl net_drop_add`
    /// alike): starts its interval window and logs it. `false` while LNet is down.
    static func addRule(_ kind: String, _ rule: FaultRule, node: SimNode) throws -> Bool {
        try node.modify { state -> Bool in
            guard state.configured else { return false }
            var rule = rule
            rule.start(now: Date().timeIntervalSince1970)
            if kind == "drop" { state.dropRules.append(rule) } else { state.delayRules.append(rule) }
            state.debug(
                "neterror", "net_fault.c:178:lnet_drop_rule_add()",
                "Added \(kind) rule \(rule.source)->\(rule.destination)")
            return true
        }
    }

    mutating func faultDel(_ kind: String, _ args: [String]) throws -> Int {
        if args.isEmpty {
            out.stdout += "fault \(kind) del: delete LNet fault rules\n\n"
            return -22
        }
        let p: GetOpt.Result
        switch GetOpt(program: "del", options: [.init("source", "s"), .init("dest", "d"), .init("all", "a", .none)])
            .parse(args)
        {
        case .failure:
            out.stderr += "Unrecognized option ?\n"
            return -1
        case .success(let r): p = r
        }
        if p.has("all") && (p.has("source") || p.has("dest")) {
            out.stderr += "'-s' or '-d' cannot be combined with '-a'\n"
            return -1
        }
        guard p.has("all") || (p.has("source") && p.has("dest")) else {
            out.stderr += "Failed, please provide source and destination of rule\n"
            return -1
        }
        let removed = try node.modify { state -> Int in
            let keep: (FaultRule) -> Bool = { rule in
                if p.has("all") { return false }
                let s = p.value("source")!
                let d = p.value("dest")!
                return
                    !((s == "*" || rule.source == s || FaultRule.display(rule.source) == FaultRule.display(s))
                    && (d == "*" || rule.destination == d
                        || FaultRule.display(rule.destination) == FaultRule.display(d)))
            }
            let before = kind == "drop" ? state.dropRules.count : state.delayRules.count
            if kind == "drop" {
                state.dropRules = state.dropRules.filter(keep)
            } else {
                state.delayRules = state.delayRules.filter(keep)
            }
            return before - (kind == "drop" ? state.dropRules.count : state.delayRules.count)
        }
        guard removed > 0 else {
            out.stdout += "failed to delete \(kind) rule: Object not found\n"
            return -2
        }
        return 0
    }

    mutating func faultReset(_ kind: String, _ args: [String]) throws -> Int {
        // The real tool demands an argument here (and ignores it).
        guard !args.isEmpty else {
            out.stdout += "fault \(kind) reset: reset LNet fault rule counters\n\n"
            return -22
        }
        let now = Date().timeIntervalSince1970
        try node.modify { state in
            func reset(_ rules: inout [FaultRule]) {
                for i in rules.indices {
                    rules[i].start(now: now)
                    rules[i].matched = 0
                    rules[i].applied = 0
                    rules[i].put = 0
                    rules[i].ack = 0
                    rules[i].get = 0
                    rules[i].reply = 0
                }
            }
            if kind == "drop" { reset(&state.dropRules) } else { reset(&state.delayRules) }
        }
        return 0
    }

    mutating func faultShow(_ kind: String) -> Int {
        let state = node.load()
        let rules = kind == "drop" ? state.dropRules : state.delayRules
        guard !rules.isEmpty else { return 0 }
        let items: [YTree] = rules.map { rule in
            var pairs: [(String, YTree)] = [
                ("rule_type", .plain(kind)), ("fa_src", .plain(FaultRule.display(rule.source))),
                ("fa_dst", .plain(FaultRule.display(rule.destination))),
                ("fa_ptl_mask", .int(Int(truncatingIfNeeded: rule.portalMask))),
                ("fa_msg_mask", .int(rule.messageMask)),
            ]
            if kind == "drop" {
                pairs += [
                    ("da_rate", .int(rule.rate)), ("da_interval", .int(rule.interval)),
                    ("ds_dropped", .int(rule.applied)),
                ]
            } else {
                pairs += [
                    ("la_rate", .int(rule.rate)), ("la_interval", .int(rule.interval)),
                    ("la_latency", .int(rule.latency)),
                    ("ls_delayed", .int(rule.applied)),
                ]
            }
            pairs += [
                ("fs_count", .int(rule.matched)), ("fs_put", .int(rule.put)), ("fs_ack", .int(rule.ack)),
                ("fs_get", .int(rule.get)), ("fs_reply", .int(rule.reply)),
            ]
            return .map(pairs)
        }
        out.stdout += YAMLPrinter.libyaml([("fault", .seq(items))])
        return 0
    }
}
