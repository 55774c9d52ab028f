import Foundation

extension LNetCtl {
    var udspSubs: [Sub] {
        [
            Sub(
                name: "add",
                help:
                    "add a udsp\n\t--src nid|net: ip2nets syntax specifying the local NID or network to match.\n\t--dst nid:     ip2nets syntax specifying the remote NID to match.\n\t--rte nid:     ip2nets syntax specifying the router NID to match.\n\t--priority p:  Assign priority value p where p >= 0.\n\t               Note: 0 is the highest priority.\n\t--idx n:       Insert the rule in the n'th position on the list of rules.\n\t               By default, rules are appended to the end of the rule list.\n"
            ) { t, a in try t.udspAdd(a) },
            Sub(name: "del", help: "delete a udsp\n\t--all: delete all udsps\n\t--idx: index of the Policy.\n") {
                t, a in
                try t.udspDel(a)
            },
            Sub(name: "show", help: "show udsps\n\t--idx: index of the policy to show.\n") { t, a in t.udspShow(a) },
        ]
    }

    /// Whether a udsp match expression parses: `NET`, `NET[range]`, or `ADDR@NET` with ranges.
    static func udspValid(_ text: String) -> Bool {
        if let at = text.firstIndex(of: "@") {
            let address = String(text[..<at])
            guard LNetNet(parsing: String(text[text.index(after: at)...])) != nil else { return false }
            if address.contains(":") {
                return NID.ipv6(address.split(separator: "/").first.map(String.init) ?? "") != nil
            }
            let parts = address.split(separator: ".")
            return !parts.isEmpty
                && parts.allSatisfy { part in
                    if part.hasPrefix("[") && part.hasSuffix("]") {
                        return (try? NIDList.rangeValues(String(part.dropFirst().dropLast()), hex: false)) != nil
                    }
                    return Int(part) != nil
                }
        }
        if let bracket = text.firstIndex(of: "[") {
            guard text.hasSuffix("]"), LNetNet(parsing: String(text[..<bracket])) != nil else { return false }
            return
                (try? NIDList.rangeValues(
                    String(text[text.index(after: bracket)..<text.index(before: text.endIndex)]), hex: false)) != nil
        }
        return LNetNet(parsing: text) != nil
    }

    mutating func udspAdd(_ args: [String]) throws -> Int {
        let options: [GetOpt.Option] = [
            .init("src", "s"), .init("dst", "d"), .init("rte", "r"), .init("priority", "p"), .init("idx", "i"),
        ]
        guard let p = parseOptions(args, program: "add", options, help: "udsp add: " + udspSubs[0].help) else {
            return 0
        }
        let src = p.value("src")
        let dst = p.value("dst")
        let rte = p.value("rte")
        guard src != nil || dst != nil || rte != nil else {
            out.stdout += "udsp add: " + udspSubs[0].help + "\n"
            return 0
        }
        var priority: Int?
        if let text = p.value("priority") {
            guard let v = strtolStrict(text), v >= 0 else {
                out.stdout += "Invalid priority \"\(text)\"\n"
                return -22
            }
            priority = v
        }
        var index: Int?
        if let text = p.value("idx") {
            guard let v = strtolStrict(text), v >= 0 else {
                out.stdout += "Invalid index \"\(text)\"\n"
                return -22
            }
            index = v
        }
        if src != nil && dst != nil && rte != nil {
            cyamlError("add", "udsp", -22, "\"The combination of src, dst and rte is not supported\"")
            return -22
        }
        if src != nil && rte != nil {
            cyamlError("add", "udsp", -22, "\"src and rte cannot be combined\"")
            return -22
        }
        for (name, value) in [("src", src), ("dst", dst), ("rte", rte)] {
            if let value, !Self.udspValid(value) {
                cyamlError("add", "udsp", -22, "\"failed to parse \(name) parameter\"")
                return -22
            }
        }
        let rule = UDSPRule(src: src, dst: dst, rte: rte, priority: priority ?? 0)
        let rc = try node.modify { state -> Int in
            guard state.configured else { return -100 }
            if let i = state.udsp.firstIndex(where: { $0.sameMatch(rule) }) {
                if state.udsp[i].priority == rule.priority { return 114 }
                state.udsp[i].priority = rule.priority
                return 0
            }
            if let index, index < state.udsp.count {
                state.udsp.insert(rule, at: index)
            } else {
                state.udsp.append(rule)
            }
            return 0
        }
        switch rc {
        case 114:
            cyamlError("add", "udsp", 114, "\"cannot add udsp: Operation already in progress\"")
            return 114
        case -100:
            cyamlError("add", "udsp", -100, "\"cannot add udsp: Network is down\"")
            return -100
        default:
            return 0
        }
    }

    mutating func udspDel(_ args: [String]) throws -> Int {
        guard
            let p = parseOptions(
                args, program: "del", [.init("idx", "i"), .init("all", "a", .none)],
                help: "udsp del: " + udspSubs[1].help)
        else { return 0 }
        switch (p.has("idx"), p.has("all")) {
        case (false, false):
            out.stdout += "Must specify --idx or --all\n"
            return -22
        case (true, true):
            out.stdout += "Cannot combine --all with --idx\n"
            return -22
        default:
            break
        }
        var index: Int?
        if let text = p.value("idx") {
            guard let v = strtolStrict(text), v >= 0 else {
                out.stdout += "Invalid index \"\(text)\"\n"
                return -22
            }
            index = v
        }
        let ok = try node.modify { state -> Bool in
            if let index {
                guard index < state.udsp.count else { return false }
                state.udsp.remove(at: index)
            } else {
                state.udsp = []
            }
            return true
        }
        guard ok else {
            cyamlError("add", "udsp", -2, "\"cannot del udsp: No such file or directory\"")
            return -2
        }
        return 0
    }

    static func udspItems(_ rules: [UDSPRule], only: Int? = nil) -> [YTree] {
        rules.enumerated().filter { only == nil || $0.offset == only }.map { index, rule in
            var pairs: [(String, YTree)] = [("idx", .int(index))]
            if let src = rule.src { pairs.append(("src", .plain(src))) }
            if let dst = rule.dst { pairs.append(("dst", .plain(dst))) }
            if let rte = rule.rte { pairs.append(("rte", .plain(rte))) }
            pairs.append(("action", .map([("priority", .int(rule.priority))])))
            return .map(pairs)
        }
    }

    mutating func udspShow(_ args: [String]) -> Int {
        let state = node.load()
        guard state.configured else {
            cyamlError("show", "udsp", -100, "\"cannot get udsp: Network is down\"")
            return -100
        }
        var only: Int?
        if let i = args.firstIndex(of: "--idx"), i + 1 < args.count { only = strtolStrict(args[i + 1]) }
        let items = Self.udspItems(state.udsp, only: only)
        if !items.isEmpty { out.stdout += YAMLPrinter.cyaml([("udsp", .seq(items))]) }
        return 0
    }
}
