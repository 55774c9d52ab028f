import Foundation

extension LNetCtl {
    var routeSubs: [Sub] {
        [
            Sub(
                name: "add",
                help:
                    "add a route\n\t--net: net name (e.g. tcp0)\n\t--gateway: gateway nid (e.g. 10.1.1.2@tcp)\n\t--hop|hop-count: number to final destination (1 < hops < 255)\n\t--priority: priority of route (0 - highest prio\n\t--health_sensitivity: gateway health sensitivity (>= 1)\n"
            ) { t, a in try t.routeAdd(a) },
            Sub(
                name: "del",
                help: "delete a route\n\t--net: net name (e.g. tcp0)\n\t--gateway: gateway nid (e.g. 10.1.1.2@tcp)\n"
            ) { t, a in try t.routeDel(a) },
            Sub(
                name: "show",
                help:
                    "show routes\n\t--net: net name (e.g. tcp0) to filter on\n\t--gateway: gateway nid (e.g. 10.1.1.2@tcp) to filter on\n\t--hop|hop-count: number of hops to final destination to filter on\n\t--priority: route priority to filter on\n\t--verbose: display detailed output per route\n"
            ) { t, a in try t.routeShow(a) },
        ]
    }

    static let routeOptions: [GetOpt.Option] = [
        .init("net", "n"), .init("gateway", "g"), .init("hop", "c"), .init("hop-count"), .init("priority", "p"),
        .init("health_sensitivity", "s"), .init("verbose", "v", .none),
    ]

    /// The client-side check both `route add` and `route del` make.
    mutating func routeMandatory(_ p: GetOpt.Result) -> Bool {
        switch (p.has("net"), p.has("gateway")) {
        case (false, false): out.stdout += "missing mandatory parameters:'net , gateway'\n"
        case (false, true): out.stdout += "missing mandatory parameters:'net'\n"
        case (true, false): out.stdout += "missing mandatory parameters:'gateway'\n"
        case (true, true): return true
        }
        return false
    }

    mutating func routeAdd(_ args: [String]) throws -> Int {
        guard let p = parseOptions(args, program: "add", Self.routeOptions, help: "route add: " + routeSubs[0].help)
        else { return 0 }
        guard routeMandatory(p) else { return -22 }
        let gateways: [String]
        do {
            gateways = try NIDList.expand(p.value("gateway")!)
        } catch {
            return netlinkError("add", "route", error.errno, error.message)
        }
        let hop = (p.value("hop") ?? p.value("hop-count")).flatMap(strtolStrict) ?? -1
        let priority = p.value("priority").flatMap(strtolStrict) ?? 0
        let netText = p.value("net")!
        let fabricAddresses = Set(Fabric(node: node).members().flatMap { $0.interfaces.flatMap(\.addresses) })
        var newGateways: [NID] = []
        let failure: (Int, String)? = try node.modify { state in
            guard state.configured else { return (-100, "Network is down") }
            guard let net = LNetNet(parsing: netText) else { return (-6, "setting LNET_NET_ANY not allowed") }
            if net.type == "lo" { return (-13, "setting @lo not allowed") }
            if hop != -1 && !(1...255).contains(hop) { return (-22, "invalid hop count must be between 1 and 255") }
            // -1 is taken as no priority (0), as 6.1 does; below that is refused.
            if priority < -1 { return (-22, "invalid priority, must not be negative") }
            for text in gateways {
                guard let gateway = try? NID(parsing: text) else { return (-19, "cannot parse gateway") }
                if gateway.net.type == "lo" || gateway.net == net {
                    return (-22, "invalid settings for route creation")
                }
                if state.netIndex(net) != nil
                    || state.routes.contains(where: { $0.net == net && $0.gateway == gateway })
                {
                    return (-17, "Route already exists or the specified network is local")
                }
                guard state.netIndex(gateway.net) != nil else {
                    return (-113, "No interface configured on the same net as gateway")
                }
                var route = SimRoute(net: net, gateway: gateway)
                route.hop = hop
                route.priority = max(priority, 0)
                state.routes.append(route)
                if state.peerIndex(containing: gateway) == nil {
                    var peer = SimPeer(primary: gateway, nis: [gateway], configured: false, multiRail: false)
                    if !fabricAddresses.contains(gateway.address) {
                        // Its discovery failed: health down by the sensitivity (100), state down.
                        peer.unreachableGateway = true
                        peer.nis[0].health = 900
                        peer.nis[0].counters.droppedErrors = 1
                    }
                    state.peers.append(peer)
                    newGateways.append(gateway)
                }
                state.debug(
                    "config", "router.c:712:lnet_add_route()", "Added route to \(net) via \(gateway) hops \(hop)")
            }
            return nil
        }
        if let (errno, descr) = failure { return netlinkError("add", "route", errno, descr) }
        // A new gateway is discovered, as 6.1's router discovery does: a reachable one becomes a
        // Multi-Rail peer with all its NIDs, and knows this node the same way.
        if node.load().globals.discovery == 1 {
            let fabric = Fabric(node: node)
            let members = fabric.members()
            for gateway in newGateways where Fabric.owner(of: gateway, in: members) != nil {
                _ = try? fabric.ping(gateway, source: nil, timeout: 1, discover: true)
            }
        }
        return 0
    }

    mutating func routeDel(_ args: [String]) throws -> Int {
        guard let p = parseOptions(args, program: "del", Self.routeOptions, help: "route del: " + routeSubs[1].help)
        else { return 0 }
        guard routeMandatory(p) else { return -22 }
        let gateways: [String]
        do {
            gateways = try NIDList.expand(p.value("gateway")!)
        } catch {
            return netlinkError("del", "route", error.errno, error.message)
        }
        let netText = p.value("net")!
        let failure: (Int, String)? = try node.modify { state in
            guard state.configured else { return (-100, "Network is down") }
            guard let net = LNetNet(parsing: netText), state.routes.contains(where: { $0.net == net }) else {
                return (-2, "failed to delete route")
            }
            let nids = Set(gateways.compactMap { try? NID(parsing: $0) })
            state.routes.removeAll { $0.net == net && nids.contains($0.gateway) }
            return nil
        }
        if let (errno, descr) = failure { return netlinkError("del", "route", errno, descr) }
        return 0
    }

    mutating func routeShow(_ args: [String]) throws -> Int {
        guard let p = parseOptions(args, program: "show", Self.routeOptions, help: "route show: " + routeSubs[2].help)
        else { return 0 }
        let state = node.load()
        guard state.configured else { return netlinkError("show", "route", -100, "Network is down") }
        let verbose = p.has("verbose")
        let netFilter = p.value("net").flatMap(LNetNet.init(parsing:))
        let gatewayFilter = p.value("gateway").flatMap { try? NID(parsing: $0) }
        let hopFilter = (p.value("hop") ?? p.value("hop-count")).flatMap(strtolStrict)
        // `--priority` is accepted and ignored: 6.1 shows every route (recorded on c881f8eb).
        // Route state needs every node's state: read the fabric once, and only when shown.
        let members = verbose && !state.routes.isEmpty ? Fabric(node: node).members() : []
        var items: [YTree] = []
        for route in Self.routeOrder(state.routes) {
            if let netFilter, route.net != netFilter { continue }
            if let gatewayFilter, route.gateway != gatewayFilter { continue }
            if let hopFilter, route.hop != hopFilter { continue }
            items.append(.map(Self.routeTree(route, verbose: verbose, backup: false, members: members)))
        }
        if !items.isEmpty { out.stdout += YAMLPrinter.libyaml([("route", .seq(items))]) }
        return 0
    }

    /// LND type numbers, for the kernel's route hash order.
    static let lndNumbers = [
        "tcp": 2, "o2ib": 5, "lo": 9, "gni": 13, "gip": 14, "ptlf": 15, "kfi": 16, "efa": 17, "bxi3f": 18,
    ]

    /// Routes in the kernel's order: by hash bucket `(netnum + lndtype) & 127`, then the nets in
    /// the order of their first route, and a net's routes newest first.
    static func routeOrder(_ routes: [SimRoute]) -> [SimRoute] {
        var firstOf: [LNetNet: Int] = [:]
        for (offset, route) in routes.enumerated() where firstOf[route.net] == nil { firstOf[route.net] = offset }
        return routes.enumerated().sorted { a, b in
            let ha = (a.element.net.number + (lndNumbers[a.element.net.type] ?? 0)) & 127
            let hb = (b.element.net.number + (lndNumbers[b.element.net.type] ?? 0)) & 127
            if ha != hb { return ha < hb }
            let (fa, fb) = (firstOf[a.element.net]!, firstOf[b.element.net]!)
            return fa != fb ? fa < fb : a.offset > b.offset
        }.map(\.element)
    }

    static func routeTree(_ route: SimRoute, verbose: Bool, backup: Bool, members: [Fabric.Member])
        -> [(String, YTree)]
    {
        var pairs: [(String, YTree)] = [
            ("net", .plain(route.net.description)), ("gateway", .plain(route.gateway.description)),
        ]
        if verbose || backup {
            pairs.append(("hop", .int(route.hop)))
            pairs.append(("priority", .int(route.priority)))
        }
        if verbose && !backup {
            let status = Fabric.gatewayStatus(route, members: members)
            pairs.append(("state", .plain(status.up ? "up" : "down")))
            pairs.append(("type", .plain(status.singleHop ? "single-hop" : "multi-hop")))
        }
        return pairs
    }

    // MARK: routing

    var routingSubs: [Sub] {
        [Sub(name: "show", help: "show routing information\n") { t, a in t.routingShow() }]
    }

    mutating func routingShow() -> Int {
        let state = node.load()
        guard state.buffersAllocated else { return 0 }
        out.stdout += YAMLPrinter.cyaml(Self.routingTree(state))
        return 0
    }

    /// `routing show`'s document (also part of `export`): the router buffer pools and whether
    /// routing is enabled, then the buffer counts.
    static func routingTree(_ state: SimState) -> [(String, YTree)] {
        let pool = { (npages: Int, count: Int) -> YTree in
            .map([
                ("npages", .int(npages)), ("nbuffers", .int(count)), ("credits", .int(count)),
                ("mincredits", .int(count)),
            ])
        }
        return [
            (
                "routing",
                .seq([
                    .map([
                        (
                            "cpt[0]",
                            .map([
                                ("tiny", pool(0, state.tinyBuffers)), ("small", pool(1, state.smallBuffers)),
                                ("large", pool(256, state.largeBuffers)),
                            ])
                        )
                    ]), .map([("enable", .int(state.routingDisplay))]),
                ])
            ),
            buffersTree(state),
        ]
    }

    static func buffersTree(_ state: SimState) -> (String, YTree) {
        (
            "buffers",
            .map([
                ("tiny", .int(state.tinyBuffers)), ("small", .int(state.smallBuffers)),
                ("large", .int(state.largeBuffers)),
            ])
        )
    }
}
