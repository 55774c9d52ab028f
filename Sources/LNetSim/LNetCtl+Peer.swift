import Foundation

extension LNetCtl {
    var peerSubs: [Sub] {
        [
            Sub(
                name: "add",
                help:
                    "add a peer NID\n\t--prim_nid: Primary NID of the peer.\n\t--nid: one or more peer NIDs\n\t--non_mr: create this peer as not Multi-Rail capable\n\t--ip2nets: specify a range of nids per peer\n\t--lock_prim: lock primary nid\n"
            ) { t, a in try t.peerAdd(a) },
            Sub(
                name: "del",
                help:
                    "delete a peer NID\n\t--prim_nid: Primary NID of the peer.\n\t--nid: list of NIDs to remove. If none provided,\n\t       peer is deleted\n\t--ip2nets: specify a range of nids per peer\n\t--force: force-delete locked primary NID\n"
            ) { t, a in try t.peerDel(a) },
            Sub(
                name: "show",
                help:
                    "show peer information\n\t--nid: NID of peer to filter on.\n\t--verbose: display detailed output per peer. Optional argument of '2' outputs more stats\n"
            ) { t, a in try t.peerShow(a) },
            Sub(name: "list", help: "list all peers\n") { t, a in try t.peerList(a) },
            Sub(
                name: "set",
                help:
                    "set peer ni parameters\n\t--nid: Peer NI NID to set the value on\n\t--all: apply to all peer NIs\n\t--health: specify health value to set\n\t--state: specify peer state (debug)\n"
            ) { t, a in try t.peerSet(a) },
        ]
    }

    /// Expands a `--nid` list the way `peer add/del` report failures; `nil` after printing one.
    /// The "can't parse nidrange" line names the address part of the range (what precedes `@`),
    /// and only for ranges the parser refuses, not for ranges that expand to too many or no NIDs
    /// (6.1, c881f8eb).
    mutating func peerNIDs(_ text: String, op: String) -> [String]? {
        let address = text.split(separator: "@", maxSplits: 1).first.map(String.init) ?? text
        let range = address == "<?>" || address.contains("*") ? text : address
        do {
            let nids = try NIDList.expand(text)
            if nids.isEmpty {
                _ = netlinkError(op, "peer", -2, "Unable to parse nidlist: did not expand to any nids")
                return nil
            }
            if nids.count > 128 {
                _ = netlinkError(op, "peer", -7, "Unable to parse nidlist: specifies more NIDs than allowed")
                return nil
            }
            return nids
        } catch {
            out.stdout += "can't parse nidrange: \"\(range)\"\n"
            _ = netlinkError(op, "peer", error.errno, error.message)
            return nil
        }
    }

    // MARK: peer add

    mutating func peerAdd(_ args: [String]) throws -> Int {
        if args.isEmpty {
            out.stdout += "peer add: " + peerSubs[0].help + "\n"
            return -22
        }
        let options: [GetOpt.Option] = [
            .init("prim_nid", "k"), .init("nid", "n"), .init("non_mr", "m", .none), .init("ip2nets", "i"),
            .init("lock_prim", "l", .none), .init("force", "f", .none),
        ]
        guard let p = parseOptions(args, program: "add", options, help: "peer add: " + peerSubs[0].help) else {
            return 0
        }
        var secondary: [String] = []
        if let text = p.value("nid") {
            guard let nids = peerNIDs(text, op: "add") else { return -22 }
            secondary = nids
        }
        // The kernel's refusals of a peer add or del print nothing on this lnetctl: exit 234 alone.
        guard let primaryText = p.value("prim_nid") else { return -22 }
        let lock = p.has("lock_prim") || p.has("force")
        let failure: (Int, String)? = try node.modify { state in
            guard state.configured else { return (-100, "Network is down") }
            guard let primary = try? NID(parsing: primaryText), primary.net.type != "lo" else {
                return (-22, "unsupported primary NID")
            }
            if let owner = state.peerIndex(containing: primary), state.peers[owner].primary != primary {
                // A configured peer's secondary: refused with nothing printed (exit 234).
                if state.peers[owner].configured { return (-17, "") }
                state.peers.remove(at: owner)
            }
            if let existing = state.peers.firstIndex(where: { $0.primary == primary }),
                !state.peers[existing].configured
            {
                state.peers.remove(at: existing)
            }
            let index: Int
            if let existing = state.peers.firstIndex(where: { $0.primary == primary }) {
                index = existing
            } else {
                state.peers.append(SimPeer(primary: primary, nis: [primary], configured: true, multiRail: true))
                index = state.peers.count - 1
            }
            if lock { state.peers[index].lockPrimary = true }
            for text in secondary {
                guard let nid = try? NID(parsing: text), nid.net.type != "lo" else {
                    state.peers.remove(at: index)
                    return (-22, "unsupported secondary NID")
                }
                if state.peers[index].nis.contains(where: { $0.nid == nid }) { continue }
                if let other = state.peerIndex(containing: nid) {
                    if state.peers[other].configured {
                        state.peers.remove(at: index)
                        return (-17, "failed to add peer")
                    }
                    state.peers[other].nis.removeAll { $0.nid == nid }
                    if state.peers[other].nis.isEmpty { state.peers.remove(at: other) }
                }
                let target = state.peers.firstIndex { $0.primary == primary }!
                state.peers[target].nis.append(SimPeerNI(nid: nid))
            }
            return nil
        }
        // Every refusal, LNet down too, prints nothing (exit 234), as `peer show` does (6.1).
        if failure != nil { return -22 }
        return 0
    }

    // MARK: peer del

    mutating func peerDel(_ args: [String]) throws -> Int {
        if args.isEmpty {
            out.stdout += "peer del: " + peerSubs[1].help + "\n"
            return -22
        }
        let options: [GetOpt.Option] = [
            .init("prim_nid", "k"), .init("nid", "n"), .init("force", "f", .none), .init("lock_prim", "l", .none),
            .init("non_mr", "m", .none),
        ]
        guard let p = parseOptions(args, program: "del", options, help: "peer del: " + peerSubs[1].help) else {
            return 0
        }
        if p.has("non_mr") {
            cyamlError("peer", "del", -22, "Unrecognized option '-m'")
            return -22
        }
        var nids: [String] = []
        if let text = p.value("nid") {
            guard let list = peerNIDs(text, op: "del") else { return -22 }
            nids = list
        }
        let force = p.has("force") || p.has("lock_prim")
        guard let primaryText = p.value("prim_nid") ?? nids.first else { return -22 }
        let failure: (Int, String)? = try node.modify { state in
            guard state.configured else { return (-100, "Network is down") }
            guard let primary = try? NID(parsing: primaryText), let index = state.peerIndex(containing: primary) else {
                return (-2, "failed to del primary peer")
            }
            let peer = state.peers[index]
            let wantsWhole = p.value("nid") == nil || nids.compactMap({ try? NID(parsing: $0) }).contains(peer.primary)
            if wantsWhole {
                guard peer.primary == primary else { return (-19, "failed to del primary peer") }
                if state.routes.contains(where: { $0.gateway == primary || peer.nis.map(\.nid).contains($0.gateway) }) {
                    return (-16, "failed to del primary peer")
                }
                if peer.lockPrimary && !force {
                    state.peers[index].nis = peer.nis.filter { $0.nid == peer.primary }
                } else {
                    state.peers.remove(at: index)
                }
                return nil
            }
            for text in nids {
                guard let nid = try? NID(parsing: text), let owner = state.peerIndex(containing: nid) else {
                    return (-2, "failed to del peer")
                }
                guard owner == index else { return (-10, "failed to del peer") }
                if nid == state.peers[index].primary && state.peers[index].lockPrimary {
                    return (-1, "failed to del peer")
                }
                state.peers[index].nis.removeAll { $0.nid == nid }
            }
            if state.peers[index].nis.isEmpty { state.peers.remove(at: index) }
            return nil
        }
        if let (errno, descr) = failure { return errno == -100 ? netlinkError("del", "peer", errno, descr) : -22 }
        return 0
    }

    // MARK: peer show / list

    mutating func peerShow(_ args: [String]) throws -> Int {
        guard
            let p = parseOptions(
                args, program: "show", [.init("nid", "n"), .init("verbose", "v", .none)],
                help: "peer show: " + peerSubs[2].help)
        else { return 0 }
        let level = Int(p.value("verbose") ?? "0") ?? 1
        let state = node.load()
        // LNet down: exit 234 and nothing printed (6.1's kernel answers the dump with no message).
        guard state.configured else { return -22 }
        var peers = state.peers
        if let text = p.value("nid") {
            // No such peer: lnetctl exits 234 and prints nothing (6.1, c881f8eb).
            guard let nid = try? NID(parsing: text), let index = state.peerIndex(containing: nid) else { return -22 }
            peers = [state.peers[index]]
        }
        let items = peers.filter { $0.primary != .loopback }.map {
            YTree.map(Self.peerTree($0, state: state, level: level, backup: false))
        }
        if !items.isEmpty { out.stdout += YAMLPrinter.libyaml([("peer", .seq(items))]) }
        return 0
    }

    mutating func peerList(_ args: [String]) throws -> Int {
        let state = node.load()
        guard state.configured else { return netlinkError("show", "peer", -100, "Network is down") }
        let items = state.peers.filter { $0.primary != .loopback }.map {
            YTree.map([("nid", .plain($0.primary.description))])
        }
        if !items.isEmpty { out.stdout += YAMLPrinter.libyaml([("peer list", .seq(items))]) }
        return 0
    }

    /// One peer as `peer show` prints it at `level` (`backup`: the export --backup form).
    static func peerTree(_ peer: SimPeer, state: SimState, level: Int, backup: Bool) -> [(String, YTree)] {
        var pairs: [(String, YTree)] = [
            ("primary nid", .plain(peer.primary.description)), ("Multi-Rail", .bool(peer.multiRail)),
        ]
        if level >= 3 && !backup { pairs.append(("peer state", .int(peer.stateBits))) }
        let isRouter = state.routes.contains { route in peer.nis.contains { $0.nid == route.gateway } }
        var nis: [YTree] = []
        for ni in peer.orderedNIs {
            var entry: [(String, YTree)] = [("nid", .plain(ni.nid.description))]
            if backup {
                nis.append(.map(entry))
                continue
            }
            if level >= 4 {
                entry.append(("udsp info", .map([("net priority", .int(-1)), ("nid priority", .int(-1))])))
            }
            let local = state.nets.first { $0.net == ni.nid.net }
            let showsState = isRouter || (state.routing == 1 && (local?.peerTimeout ?? 0) > 0)
            let up = ni.health > 0 && peer.unreachableGateway != true
            entry.append(("state", .plain(showsState ? (up ? "up" : "down") : "NA")))
            if level >= 1 {
                let credits = local?.peerCredits ?? 0
                let rtr = (local?.peerBufferCredits ?? 0) > 0 ? local!.peerBufferCredits : credits
                // The low-water mark of the credits: one was taken for the first message sent.
                let low = ni.counters.sendCount > 0 || peer.unreachableGateway == true ? credits - 1 : credits
                entry += [
                    ("max_ni_tx_credits", .int(credits)), ("available_tx_credits", .int(credits)),
                    ("min_tx_credits", .int(low)), ("tx_q_num_of_buf", .int(0)),
                    ("available_rtr_credits", .int(rtr)),
                    // A peer NI on a net with no local NI holds one more reference (6.1).
                    ("min_rtr_credits", .int(rtr)), ("refcount", .int(local == nil ? 2 : 1)),
                ]
                let c = ni.counters
                entry.append(
                    (
                        "statistics",
                        .map(
                            [
                                ("send_count", .int(c.sendCount)), ("recv_count", .int(c.recvCount)),
                                ("drop_count", .int(c.dropCount)),
                            ]
                                + c.latencyStatistics.map { ($0.0, .int($0.1)) })
                    ))
            }
            if level >= 2 {
                let c = ni.counters
                entry.append(("sent_stats", kindCounts(c.sent)))
                entry.append(("received_stats", kindCounts(c.received)))
                entry.append(("dropped_stats", kindCounts(c.dropped)))
                entry.append(
                    (
                        "health stats",
                        .map([
                            ("health value", .int(ni.health)), ("dropped", .int(c.droppedErrors)),
                            ("timeout", .int(c.timeouts)),
                            ("error", .int(c.errors)), ("network timeout", .int(c.networkTimeouts)),
                            ("ping_count", .int(c.pingCount)), ("next_ping", .int(0)),
                        ])
                    ))
            }
            nis.append(.map(entry))
        }
        pairs.append(("peer ni", .seq(nis)))
        return pairs
    }

    // MARK: peer set

    mutating func peerSet(_ args: [String]) throws -> Int {
        let options: [GetOpt.Option] = [
            .init("nid", "n"), .init("all", "a", .none), .init("health", "t"), .init("state", "s"),
        ]
        let p: GetOpt.Result
        switch GetOpt(program: "set", options: options).parse(args) {
        case .failure:
            cyamlError("net", "set", -22, "Invalid option or missing argument")
            return -22
        case .success(let r): p = r
        }
        // (`--all` with `--nid` is accepted: --all wins, as on 6.1.)
        if p.value("nid").map({ !$0.contains("@") }) ?? false {
            cyamlError("net", "set", -22, "")
            return -22
        }
        let target = p.value("nid").flatMap { try? NID(parsing: $0) }
        let all = p.has("all")
        if let stateText = p.value("state") {
            let value = strtolStrict(stateText) ?? 0
            let failure: (Int, String)? = try node.modify { state in
                guard state.configured else { return (-100, "Network is down") }
                guard let nid = target, let index = state.peerIndex(containing: nid) else {
                    return (-2, "invalid peer state param")
                }
                state.peers[index].rawState = value
                return nil
            }
            if let (errno, descr) = failure {
                // An unknown peer: only the empty `net: - set:` block (6.1); LNet down: both.
                if errno == -100 { _ = netlinkError("set", "peer", errno, descr) }
                cyamlError("net", "set", -22, "")
                return -22
            }
            return 0
        }
        guard let health = p.value("health").flatMap(strtolStrict) else { return 0 }
        let failure: (Int, String)? = try node.modify { state in
            guard state.configured else { return (-100, "Network is down") }
            for p in state.peers.indices {
                for i in state.peers[p].nis.indices where all || state.peers[p].nis[i].nid == target {
                    state.peers[p].nis[i].health = health
                }
            }
            return nil
        }
        if let (errno, descr) = failure {
            _ = netlinkError("set", "peer", errno, descr)
            cyamlError("net", "set", -22, "")
            return -22
        }
        return 0
    }
}
