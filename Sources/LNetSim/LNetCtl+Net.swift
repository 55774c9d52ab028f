import Foundation

extension LNetCtl {
    var lnetSubs: [Sub] {
        [
            Sub(
                name: "configure",
                help:
                    "configure lnet\n\t--all: load NI configuration from module parameters\n\t--large: start LNet with large (IPv6-capable) NIDs\n"
            ) { t, a in try t.lnetConfigure(a) },
            Sub(name: "unconfigure", help: "unconfigure lnet\n") { t, a in try t.lnetUnconfigure(a) },
        ]
    }

    var netSubs: [Sub] {
        [
            Sub(name: "add", help: Self.netAddHelp) { t, a in try t.netAdd(a) },
            Sub(
                name: "del",
                help:
                    "delete a network\n\t--net: net name (e.g. tcp0)\n\t--nid: shutdown NI based on the address of the specified LNet NID\n\t--if: physical interface (e.g. eth0)\n"
            ) { t, a in try t.netDel(a) },
            Sub(
                name: "show",
                help:
                    "show networks\n\t--net: net name (e.g. tcp0) to filter on\n\t--verbose: display detailed output per network. Optional argument of '2' outputs more stats\n"
            ) { t, a in try t.netShow(a) },
            Sub(
                name: "set",
                help:
                    "set local NI specific parameter\n\t--nid: NI NID to set the value on\n\t--net: network to set the value on (e.g. tcp, o2ib, kfi)\n\t--lnd-timeout: set LND timeout (seconds) for LND used by --net argument\n\t--health: specify health value to set\n\t--conns-per-peer: number of connections per peer\n\t--all: set all NIs value to the one specified\n"
            ) { t, a in try t.netSet(a) },
        ]
    }

    static let netAddHelp =
        "add a network\n\t--net: net name (e.g. tcp0)\n\t--if: physical interface (e.g. eth0)\n\t--nid: bring up NI based on the address of the specified LNet NID\n\t--ip2net: specify networks based on IP address patterns\n\t--peer-timeout: time to wait before declaring a peer dead\n\t--peer-credits: define the max number of inflight messages\n\t--peer-buffer-credits: the number of buffer credits per peer\n\t--credits: Network Interface credits\n\t--cpt: CPU Partitions configured net uses (e.g. [0,1]\n\t--conns-per-peer: number of connections per peer\n\t--skip-mr-route-setup: do not add linux route for the ni\n\t--auth-key: Network authorization key (kfilnd only)\n\t--traffic-class: Traffic class (kfilnd only)\n\t--tos: IP's Type of Service\n"

    // MARK: lnet

    mutating func lnetConfigure(_ args: [String]) throws -> Int {
        guard
            let parsed = parseOptions(
                args, program: "configure", [.init("all", "a", .none), .init("large", "l", .none)],
                help: "lnet configure: " + lnetSubs[0].help)
        else { return 0 }
        let node = self.node
        try node.modify { state in
            let interfaces = node.interfaces(state: state)
            if !state.configured {
                state.configured = true
                state.nets = [SimNet(net: .lo)]
                state.nets[0].nis = [SimNI(nid: .loopback, interface: nil)]
                state.debug("config", "api-ni.c:3102:lnet_startup_lndnet()", "Added LNI 0@lo [0/0/0/0]")
            }
            if !parsed.has("all") {
                state.ignoreNetworks = true
            } else if !state.ignoreNetworks, state.netIndex(LNetNet(type: "tcp")) == nil,
                let first = interfaces.first(where: { $0.up && $0.address() != nil })
            {
                var net = SimNet(net: LNetNet(type: "tcp"))
                let address = first.address(preferIPv6: parsed.has("large"))!
                net.nis = [SimNI(nid: NID(address: address, net: net.net), interface: first.name)]
                state.nets.append(net)
            }
        }
        return 0
    }

    mutating func lnetUnconfigure(_ args: [String]) throws -> Int {
        let busy = try node.modify { state -> Bool in
            // The selftest module holds LNet, as a mounted Lustre would.
            if state.selftestLoaded || state.lst.session != nil { return true }
            state.unconfigure()
            return false
        }
        if busy {
            out.stderr += YAMLPrinter.libyamlError(
                op: "configure", object: "lnet", errno: -16, descr: "LNet configure error: Object busy")
            return -16
        }
        return 0
    }

    // MARK: net add

    mutating func netAdd(_ args: [String]) throws -> Int {
        let options: [GetOpt.Option] = [
            .init("net", "n"), .init("if", "i"), .init("nid"), .init("ip2net", "p"), .init("peer-timeout", "t"),
            .init("peer-credits", "c"), .init("peer-buffer-credits", "b"), .init("credits", "r"), .init("cpt", "s"),
            .init("conns-per-peer", "m"), .init("skip-mr-route-setup", "k", .none), .init("tos"), .init("auth-key"),
            .init("traffic-class"),
        ]
        guard let p = parseOptions(args, program: "add", options, help: "net add: " + Self.netAddHelp, quiet: true)
        else { return 0 }
        var connsPerPeer: Int?
        if let text = p.value("conns-per-peer") {
            guard let v = strtolStrict(text), v >= 0, v <= 127 else {
                cyamlError("ni", "add", -1, "invalid conns-per-peer value (valid range 0-127)")
                return -1
            }
            connsPerPeer = v
        }
        var tos: Int?
        if let text = p.value("tos") {
            guard let v = strtolStrict(text), v >= -1, v <= 255 else {
                cyamlError("ni", "add", -1, "Invalid ToS argument")
                return -22
            }
            tos = v
        }
        var interfaces: [String] = []
        if let text = p.value("if") {
            guard let list = Self.interfaceList(text) else {
                cyamlError("ni", "add", -1, "bad interface list")
                return -22
            }
            interfaces = list
        }
        var nids: [String] = []
        if let text = p.value("nid") {
            nids = text.split(separator: ",").map(String.init)
            guard !nids.isEmpty, nids.allSatisfy({ NID.isValid($0) }) else {
                cyamlError("ni", "add", -1, "bad NID list")
                return -22
            }
        }
        if p.has("nid") && p.has("net") {
            out.stdout += "--net is invalid with --nid option\n"
            return -22
        }
        guard p.has("net") || p.has("nid") || p.has("ip2net") else {
            out.stdout += "missing mandatory parameters in NI config: 'network'\n"
            return -22
        }
        if p.has("ip2net") {
            out.stderr += "lnetctl: --ip2net is not supported by the LNet simulator\n"
            return -22
        }
        if p.has("net") && interfaces.isEmpty {
            out.stdout += "creating a local NI needs at least one interface\n"
            return -22
        }
        let tunables = (
            peerTimeout: p.value("peer-timeout").flatMap(strtolStrict),
            peerCredits: p.value("peer-credits").flatMap(strtolStrict),
            bufferCredits: p.value("peer-buffer-credits").flatMap(strtolStrict),
            credits: p.value("credits").flatMap(strtolStrict)
        )
        let cpt = p.value("cpt")
        let node = self.node
        let failure: (Int, String)? = try node.modify { state in
            guard state.configured else { return (-108, "cannot add LNet NI") }
            let present = node.interfaces(state: state)
            // Each requested NI: (net, interface name, address).
            var wanted: [(LNetNet, SimInterface, String)] = []
            if let netText = p.value("net") {
                guard let net = LNetNet(parsing: netText) else { return (-2, "cannot parse net") }
                if net.type == "lo" { return (-19, "setting @lo not allowed") }
                for name in interfaces {
                    guard let interface = present.first(where: { $0.name == name }), interface.up,
                        let address = interface.address(preferIPv6: false)
                    else { return (-100, "cannot add LNet NI") }
                    wanted.append((net, interface, address))
                }
            } else {
                for text in nids {
                    let nid = try! NID(parsing: text)
                    if nid.net.type == "lo" { return (-19, "setting @lo not allowed") }
                    guard let interface = present.first(where: { $0.addresses.contains(nid.address) }), interface.up
                    else {
                        return (-100, "cannot add LNet NI")
                    }
                    wanted.append((nid.net, interface, nid.address))
                }
            }
            if let cpt, (Int(cpt.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))) ?? 1) >= 1 {
                return (-34, "invalid CPT value")
            }
            for (net, interface, address) in wanted {
                if state.routes.contains(where: { $0.net == net }) { return (-87, "cannot add LNet NI") }
                let index =
                    state.netIndex(net)
                    ?? {
                        var fresh = SimNet(net: net)
                        if let v = tunables.peerTimeout { fresh.peerTimeout = v }
                        if let v = tunables.peerCredits { fresh.peerCredits = v }
                        if let v = tunables.bufferCredits { fresh.peerBufferCredits = v }
                        if let v = tunables.credits { fresh.credits = v }
                        state.nets.append(fresh)
                        return state.nets.count - 1
                    }()
                if state.nets[index].nis.contains(where: { $0.interface == interface.name }) {
                    return (-17, "cannot add LNet NI")
                }
                if state.nets[index].nis.count >= state.globals.maxInterfaces - 1 {
                    return (-28, "too many NIs, check lnet_interfaces_max")
                }
                let nid = NID(address: address, net: net)
                // conns_per_peer and tos are the NI's own (the net's tunables are its first NI's).
                var ni = SimNI(nid: nid, interface: interface.name)
                if let v = connsPerPeer { ni.connsPerPeer = v }
                if let v = tos { ni.tos = v }
                state.nets[index].nis.append(ni)
                state.debug(
                    "config", "api-ni.c:3102:lnet_startup_lndnet()",
                    "Added LNI \(nid) [\(state.nets[index].peerCredits)/\(state.nets[index].credits)/\(state.nets[index].peerBufferCredits)/\(state.nets[index].peerTimeout)]"
                )
            }
            return nil
        }
        if let (errno, descr) = failure { return netlinkError("add", "net", errno, descr) }
        return 0
    }

    /// `eth0,eth1[0,1]`: interface names, each optionally with a CPT list.
    static func interfaceList(_ text: String) -> [String]? {
        var names: [String] = []
        var current = ""
        var depth = 0
        for c in text {
            switch c {
            case "[": depth += 1
            case "]":
                depth -= 1
                if depth < 0 { return nil }
            case "," where depth == 0:
                guard !current.isEmpty else { return nil }
                names.append(current)
                current = ""
            default:
                if depth == 0 { current.append(c) }
            }
        }
        guard depth == 0, !current.isEmpty else { return nil }
        names.append(current)
        return names
    }

    // MARK: net del

    mutating func netDel(_ args: [String]) throws -> Int {
        guard
            let p = parseOptions(
                args, program: "del", [.init("net", "n"), .init("if", "i"), .init("nid")],
                help: "net del: " + netSubs[1].help)
        else { return 0 }
        guard p.has("net") || p.has("nid") else {
            out.stdout += "missing mandatory parameters in NI config: 'network'\n"
            return -22
        }
        let failure: (Int, String)? = try node.modify { state in
            guard state.configured else { return (-100, "Network is down") }
            if let nidText = p.value("nid") {
                guard let nid = try? NID(parsing: nidText) else { return (-2, "cannot del LNet NI") }
                if nid.net.type == "lo" { return (-19, "setting @lo not allowed") }
                guard let (n, i) = state.niIndex(nid) else { return (-2, "cannot del LNet NI") }
                state.removeNI(net: n, ni: i)
                return nil
            }
            guard let net = LNetNet(parsing: p.value("net")!) else { return (-22, "cannot del network") }
            if net.type == "lo" { return (-19, "setting @lo not allowed") }
            if let interfaces = p.value("if") {
                guard state.netIndex(net) != nil else { return (-19, "LNet net doesn't exist") }
                for name in Self.interfaceList(interfaces) ?? [interfaces] {
                    guard let n = state.netIndex(net),
                        let i = state.nets[n].nis.firstIndex(where: { $0.interface == name })
                    else { return (-19, "cannot del LNet NI") }
                    state.removeNI(net: n, ni: i)
                }
                return nil
            }
            guard state.netIndex(net) != nil else { return (-22, "cannot del network") }
            while let n = state.netIndex(net), !state.nets[n].nis.isEmpty { state.removeNI(net: n, ni: 0) }
            return nil
        }
        if let (errno, descr) = failure { return netlinkError("del", "net", errno, descr) }
        return 0
    }

    // MARK: net show

    mutating func netShow(_ args: [String]) throws -> Int {
        guard
            let p = parseOptions(
                args, program: "show", [.init("net", "n"), .init("verbose", "v", .none)],
                help: "net show: " + netSubs[2].help)
        else { return 0 }
        let level = Int(p.value("verbose") ?? "0") ?? 1
        let state = node.load()
        guard state.configured else { return netlinkError("show", "net", -100, "LNet stack down") }
        var filter: LNetNet?
        if let text = p.value("net") {
            guard let net = LNetNet(parsing: text) else { return netlinkError("show", "net", -2, "cannot parse net") }
            guard state.netIndex(net) != nil else { return netlinkError("show", "net", -3, "Network is down") }
            filter = net
        }
        let interfaces = node.interfaces(state: state)
        let tree = Self.netTree(state, interfaces: interfaces, level: level, filter: filter, backup: false)
        if !tree.isEmpty { out.stdout += YAMLPrinter.libyaml([("net", .seq(tree))]) }
        return 0
    }

    /// The `net:` items of `net show` / `export` at `level`.
    static func netTree(
        _ state: SimState, interfaces: [SimInterface], level: Int, filter: LNetNet?, backup: Bool
    ) -> [YTree] {
        var nets: [YTree] = []
        for net in state.nets where filter == nil || net.net == filter {
            if backup && net.net.type == "lo" { continue }
            var nis: [YTree] = []
            for ni in net.nis {
                nis.append(
                    .map(niTree(ni, net: net, state: state, interfaces: interfaces, level: level, backup: backup)))
            }
            nets.append(.map([("net type", .plain(net.net.description)), ("local NI(s)", .seq(nis))]))
        }
        return nets
    }

    static let latencyKeys = [
        "put_egress_samples", "put_egress_min_nsec", "put_egress_max_nsec", "put_egress_avg_nsec", "get_rtt_samples",
        "get_rtt_min_nsec", "get_rtt_max_nsec", "get_rtt_avg_nsec", "put_ack_samples", "put_ack_min_nsec",
        "put_ack_max_nsec", "put_ack_avg_nsec",
    ]

    static func kindCounts(_ counts: [Int]) -> YTree {
        .map(zip(NICounters.kinds, counts).map { ($0, .int($1)) })
    }

    static func niTree(
        _ ni: SimNI, net: SimNet, state: SimState, interfaces: [SimInterface], level: Int, backup: Bool
    ) -> [(String, YTree)] {
        let isLo = net.net.type == "lo"
        var pairs: [(String, YTree)] = []
        if !backup {
            pairs.append(("nid", .plain(ni.nid.description)))
            pairs.append(("status", .plain(ni.status(interfaceUp: SimNode.interfaceUp(ni, interfaces: interfaces)))))
        }
        if !isLo, let name = ni.interface { pairs.append(("interfaces", .map([("0", .plain(name))]))) }
        if level >= 1 && !backup {
            let c = ni.counters
            pairs.append(
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
        if level >= 4 && !backup {
            pairs.append(("udsp info", .map([("net priority", .int(-1)), ("nid priority", .int(-1))])))
        }
        if level >= 2 && !backup {
            let c = ni.counters
            pairs.append(("sent_stats", kindCounts(c.sent)))
            pairs.append(("received_stats", kindCounts(c.received)))
            pairs.append(("dropped_stats", kindCounts(c.dropped)))
            pairs.append(
                (
                    "health stats",
                    .map([
                        ("fatal_error", .int(SimNode.interfaceUp(ni, interfaces: interfaces) || isLo ? 0 : 1)),
                        ("health value", .int(ni.health)), ("interrupts", .int(c.interrupts)),
                        ("dropped", .int(c.droppedErrors)), ("aborted", .int(c.aborted)), ("no route", .int(c.noRoute)),
                        ("timeouts", .int(c.timeouts)), ("error", .int(c.errors)), ("ping_count", .int(c.pingCount)),
                        ("next_ping", .int(0)),
                    ])
                ))
        }
        if level >= 1 || backup {
            pairs.append(
                (
                    "tunables",
                    .map([
                        ("peer_timeout", .int(net.peerTimeout)), ("peer_credits", .int(net.peerCredits)),
                        ("peer_buffer_credits", .int(net.peerBufferCredits)), ("credits", .int(net.credits)),
                    ])
                ))
            if net.net.type == "tcp" {
                var lnd: [(String, YTree)] = [("conns_per_peer", .int(ni.connsPerPeer))]
                if !backup { lnd.append(("timeout", .int(net.lndTimeout))) }
                lnd.append(("tos", .int(ni.tos)))
                pairs.append(("lnd tunables", .map(lnd)))
            }
            // A virtio NIC has no NUMA node, like lo: -1 (what the guests' real LNet prints).
            if !backup { pairs.append(("dev cpt", .int(-1))) }
            pairs.append(("CPT", .scalar("[" + ni.cpts.map(String.init).joined(separator: ",") + "]", .doubleQuoted)))
        }
        return pairs
    }

    // MARK: net set

    mutating func netSet(_ args: [String]) throws -> Int {
        let options: [GetOpt.Option] = [
            .init("nid"), .init("all", "a", .none), .init("health", "t"), .init("conns-per-peer", "m"),
            .init("lnd-timeout"), .init("net", "n"),
        ]
        let p: GetOpt.Result
        switch GetOpt(program: "set", options: options).parse(args) {
        case .failure(let failure):
            out.stderr += failure.message + "\n"
            cyamlError("net", "set", -22, "Invalid option or missing argument", style: .doubleQuoted)
            return -22
        case .success(let r): p = r
        }
        if p.has("lnd-timeout") {
            guard let netText = p.value("net") else {
                cyamlError("net", "set", -22, "Specified --lnd-timeout without --net option", style: .doubleQuoted)
                return -22
            }
            guard let net = LNetNet(parsing: netText) else {
                cyamlError("net", "set", -22, "Invalid network type: \(netText)", style: .doubleQuoted)
                return -22
            }
            guard net.type == "tcp" || net.type == "o2ib" || net.type == "gni" || net.type == "kfi" else {
                cyamlError(
                    "set", "lnd_timeout", -22, "Failed to set LND timeout for net \(net.type)", style: .doubleQuoted)
                cyamlError("net", "set", -22, "")
                return -22
            }
            let value = strtolStrict(p.value("lnd-timeout")!) ?? 0
            try node.modify { state in
                for i in state.nets.indices where state.nets[i].net.type == net.type {
                    state.nets[i].lndTimeout = value
                }
            }
        }
        if p.has("all") && p.has("nid") || (p.value("nid").map { !$0.contains("@") } ?? false) {
            cyamlError("net", "set", -22, "")
            return -22
        }
        let health = p.value("health").flatMap(strtolStrict)
        let conns = p.value("conns-per-peer").flatMap(strtolStrict)
        guard health != nil || conns != nil else { return 0 }
        let target = p.value("nid").flatMap { try? NID(parsing: $0) }
        let all = p.has("all")
        let failure: (Int, String)? = try node.modify { state in
            guard state.configured else { return (-100, "Network is down") }
            for n in state.nets.indices {
                for i in state.nets[n].nis.indices where all || state.nets[n].nis[i].nid == target {
                    if let health {
                        state.nets[n].nis[i].setHealth(health)
                        state.debug(
                            "neterror", "lib-move.c:3522:lnet_ni_set_health()",
                            "NI \(state.nets[n].nis[i].nid) health set to \(health)")
                    }
                    // Accepted, but 6.1's `net show` keeps printing the NI's conns_per_peer
                    // from when it was added (recorded on c881f8eb).
                    _ = conns
                }
            }
            return nil
        }
        if let (errno, descr) = failure {
            _ = netlinkError("set", "net", errno, descr)
            cyamlError("net", "set", -22, "")
            return -22
        }
        return 0
    }
}

extension SimState {
    /// Deletes an NI, and its net when it was the last; applies what that does to routes and
    /// peers (reference §4.6).
    mutating func removeNI(net n: Int, ni i: Int) {
        let removed = nets[n].nis.remove(at: i)
        debug("config", "api-ni.c:3510:lnet_shutdown_lndni()", "Removed LNI \(removed.nid)")
        guard nets[n].nis.isEmpty else { return }
        let net = nets.remove(at: n).net
        routes.removeAll { $0.gateway.net == net }
        for p in peers.indices.reversed() where peers[p].nis.contains(where: { $0.nid.net == net }) {
            let otherLocal = peers[p].nis.first { $0.nid.net != net && netIndex($0.nid.net) != nil }
            if let survivor = otherLocal {
                // The peer is still reachable on another local net: keep its NIs, move the primary.
                if peers[p].primary.net == net && !peers[p].lockPrimary { peers[p].primary = survivor.nid }
            } else if peers[p].primary.net == net {
                peers.remove(at: p)
            } else {
                peers[p].nis.removeAll { $0.nid.net == net }
            }
        }
    }
}
