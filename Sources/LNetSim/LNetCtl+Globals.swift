import Foundation

extension LNetCtl {
    /// One `set` parameter: its help, the words of its parse error, and how it applies.
    struct Param {
        var name: String
        var help: String
        var parseText: String
    }

    static let params: [Param] = [
        Param(
            name: "tiny_buffers", help: "set tiny routing buffers\n\tVALUE must be greater than 0\n",
            parseText: "cannot parse tiny_buffers value"),
        Param(
            name: "small_buffers", help: "set small routing buffers\n\tVALUE must be greater than 0\n",
            parseText: "cannot parse small_buffers value"),
        Param(
            name: "large_buffers", help: "set large routing buffers\n\tVALUE must be greater than 0\n",
            parseText: "cannot parse large_buffers value"),
        Param(
            name: "routing", help: "enable/disable routing\n\t0 - disable routing\n\t1 - enable routing\n",
            parseText: "cannot parse routing value.\nmust be 0 for disable or 1 for enable"),
        Param(
            name: "numa_range", help: "set NUMA range for NI selection\n\tVALUE must be at least 0\n",
            parseText: "cannot parse numa_range value"),
        Param(
            name: "max_interfaces", help: "set the default value for max interfaces\n\tValue must be greater than 16\n",
            parseText: "cannot parse max_interfaces value"),
        Param(
            name: "discovery",
            help:
                "enable/disable peer discovery\n\t0 - disable peer discovery\n\t1 - enable peer discovery (default)\n",
            parseText: "cannot parse discovery value"),
        Param(
            name: "drop_asym_route",
            help:
                "drop/accept asymmetrical route messages\n\t0 - accept asymmetrical route messages (default)\n\t1 - drop asymmetrical route messages\n",
            parseText: "cannot parse drop_asym_route value"),
        Param(
            name: "retry_count", help: "number of retries\n\t0 - turn of retries\n\t>0 - number of retries\n",
            parseText: "cannot parse retry_count value"),
        Param(
            name: "transaction_timeout", help: "Message/Response timeout\n\t>0 - timeout in seconds\n",
            parseText: "cannot parse transaction timeout value"),
        Param(
            name: "health_sensitivity",
            help:
                "sensitivity to failure\n\t0 - turn off health evaluation\n\t>0 - sensitivity value not more than 1000\n",
            parseText: "cannot parse health sensitivity value"),
        Param(
            name: "recovery_interval",
            help: "interval to ping in seconds (at least 1)\n\t>0 - time in seconds between pings\n",
            parseText: "cannot parse recovery interval value"),
        Param(
            name: "router_sensitivity",
            help:
                "router sensitivity %\n\t100 - router interfaces need to be fully healthy to be used\n\t<100 - router interfaces can be used even if not healthy\n",
            parseText: "cannot parse router sensitivity value"),
        Param(
            name: "response_tracking",
            help:
                "Set the behavior of response tracking\n\t0 - Only LNet pings and discovery pushes utilize response tracking\n\t1 - GETs are eligible for response tracking\n\t2 - PUTs are eligible for response tracking\n\t3 - Both PUTs and GETs are eligible for response tracking (default)\n\tNote: Regardless of the value of the response_tracking parameter LNet\n\t      pings and discovery pushes always utilize response tracking\n",
            parseText: "cannot parse response_tracking value"),
        Param(
            name: "recovery_limit",
            help:
                "Set how long LNet will attempt to recover unhealthy interfaces.\n\t0 - Recover indefinitely (default)\n\t>0 - Recover for the specified number of seconds.\n",
            parseText: "cannot parse recovery_limit value"),
        Param(
            name: "max_recovery_ping_interval",
            help: "maximum recovery ping interval\n\t>0 - maximum recovery ping interval in seconds\n",
            parseText: "cannot parse maximum recovery interval value"),
    ]

    var setSubs: [Sub] {
        Self.params.map { param in
            Sub(name: param.name, help: param.help) { t, a in try t.set(param, a) }
        }
    }

    /// `lnetctl set PARAM VALUE`.
    mutating func set(_ param: Param, _ args: [String]) throws -> Int {
        guard let text = args.first else {
            // The real tool looks up the wrong help name for this one and prints nothing.
            if param.name != "max_recovery_ping_interval" { out.stdout += "set \(param.name): \(param.help)\n" }
            return -22
        }
        // lnetctl checks only that strtol stopped at the end: an empty value is 0.
        guard let value = text.isEmpty ? 0 : strtolStrict(text) else {
            cyamlError("parser", "set", -1, param.parseText)
            return -1
        }
        func refused(_ entity: String, _ what: String) -> Int {
            cyamlError("add", entity, -61, "\"cannot configure \(what): Invalid argument\"")
            return -61
        }
        return try node.modify { (state: inout SimState) -> Int in
            var g = state.globals
            switch param.name {
            case "tiny_buffers", "small_buffers", "large_buffers":
                guard value >= -1 else {
                    cyamlError("add", "buf", -34, "\"tiny, small and large must be >= 0\"")
                    return -34
                }
                guard state.routing == 1 else { return 0 }
                let defaults = ["tiny_buffers": 2048, "small_buffers": 16384, "large_buffers": 1024]
                // 0 means the default; and 6.1 only ever grows a pool (a smaller count is
                // accepted and changes nothing).
                let v = value <= 0 ? defaults[param.name]! : value
                switch param.name {
                case "tiny_buffers": state.tinyBuffers = max(state.tinyBuffers, v)
                case "small_buffers": state.smallBuffers = max(state.smallBuffers, v)
                default: state.largeBuffers = max(state.largeBuffers, v)
                }
            case "routing":
                guard value == 0 || value == 1 else {
                    cyamlError("parser", "set", -1, param.parseText)
                    return -1
                }
                guard state.configured else {
                    cyamlError(value == 1 ? "add" : "del", "routing", -100, "\"cannot enable routing Network is down\"")
                    return -100
                }
                if state.routing != value { state.routingChangedAt = Date().timeIntervalSince1970 }
                state.routing = value
                if value == 1 { state.buffersAllocated = true }
                state.debug(
                    "config", "router.c:1608:lnet_rtrpools_enable()",
                    value == 1 ? "Routing enabled" : "Routing disabled")
            case "numa_range":
                guard state.configured else {
                    cyamlError(
                        "add", "numa_range", -100, "\"cannot configure numa_range to \(value): Network is down\"")
                    return -100
                }
                g.numaRange = Int(UInt32(truncatingIfNeeded: value))
            case "max_interfaces":
                guard value >= 0 else { return refused("max_interfaces", "max interfaces") }
                g.maxInterfaces = value < 16 ? 4096 : value
            case "discovery":
                // Any value but 0 enables it (-1 too, on 6.1).
                g.discovery = value != 0 ? 1 : 0
            case "drop_asym_route":
                guard value >= 0 else { return refused("drop_asym_route", "drop asym route") }
                g.dropAsymRoute = value != 0 ? 1 : 0
            case "retry_count":
                guard value >= 0, value <= g.transactionTimeout, !(value > 0 && g.healthSensitivity == 0) else {
                    return refused("retry_count", "retry count")
                }
                g.retryCount = value
            case "transaction_timeout":
                guard value > 0, value > g.retryCount else {
                    return refused("transaction_timeout", "transaction timeout")
                }
                g.transactionTimeout = value
            case "health_sensitivity":
                guard value >= 0, value <= 1000 else { return refused("health_sensitivity", "health sensitivity") }
                g.healthSensitivity = value
                if value == 0 { g.retryCount = 0 }
            case "recovery_interval":
                guard value >= 0 else { return refused("recovery_interval", "recovery interval") }
            case "router_sensitivity":
                guard value >= 0, value <= 100 else {
                    return refused("router_sensitivity", "router health sensitivity")
                }
                g.routerSensitivity = value
            case "response_tracking":
                guard (0...3).contains(value) else {
                    cyamlError("add", "response_tracking", -22, "\"Valid values are: 0, 1, 2, or 3\"")
                    return -22
                }
                g.responseTracking = value
            case "recovery_limit":
                guard value >= 0 else {
                    cyamlError("add", "recovery_limit", -22, "\"Must be greater than or equal to 0\"")
                    return -22
                }
                g.recoveryLimit = value
            case "max_recovery_ping_interval":
                guard value > 0 else {
                    cyamlError("add", "maximum recovery ping interval", -22, "\"must be strictly positive\"")
                    return -22
                }
                g.maxRecoveryPingInterval = value
            default:
                break
            }
            state.globals = g
            return 0
        }
    }

    // MARK: global show

    var globalSubs: [Sub] {
        [Sub(name: "show", help: "show global variables\n") { t, a in t.globalShow() }]
    }

    static func globalTree(_ g: SimGlobals) -> YTree {
        .map([
            ("numa_range", .int(g.numaRange)), ("max_interfaces", .int(g.maxInterfaces)),
            ("discovery", .int(g.discovery)),
            ("drop_asym_route", .int(g.dropAsymRoute)), ("retry_count", .int(g.retryCount)),
            ("transaction_timeout", .int(g.transactionTimeout)), ("health_sensitivity", .int(g.healthSensitivity)),
            ("recovery_interval", .int(g.recoveryInterval)), ("router_sensitivity", .int(g.routerSensitivity)),
            ("lnd_timeout", .int(g.lndTimeout)), ("response_tracking", .int(g.responseTracking)),
            ("recovery_limit", .int(g.recoveryLimit)), ("max_recovery_ping_interval", .int(g.maxRecoveryPingInterval)),
        ])
    }

    mutating func globalShow() -> Int {
        let state = node.load()
        guard state.configured else {
            cyamlError("show", "global", -100, "\"cannot get numa_range: Unknown error -100\"")
            return -100
        }
        out.stdout += YAMLPrinter.cyaml([("global", Self.globalTree(state.globals))])
        return 0
    }

    // MARK: stats

    var statsSubs: [Sub] {
        [
            Sub(name: "show", help: "show LNET statistics\n") { t, a in t.statsShow() },
            Sub(name: "reset", help: "reset LNET statistics\n") { t, a in try t.statsReset() },
        ]
    }

    mutating func statsShow() -> Int {
        let state = node.load()
        guard state.configured else {
            cyamlError("show", "statistics", -100, "\"cannot get lnet statistics: Network is down\"")
            return -100
        }
        out.stdout += YAMLPrinter.cyaml([("statistics", .map(SimStats.keys.map { ($0, .int(state.stats[$0])) }))])
        return 0
    }

    mutating func statsReset() throws -> Int {
        let ok = try node.modify { state -> Bool in
            guard state.configured else { return false }
            state.stats = SimStats()
            return true
        }
        guard ok else {
            cyamlError("show", "statistics", -100, "\"cannot reset lnet statistics: Network is down\"")
            return -100
        }
        return 0
    }

    // MARK: debug

    var debugSubs: [Sub] {
        [
            Sub(
                name: "recovery",
                help:
                    "list peers or local NIs in recovery\n\t--local: list local NIs in recovery\n\t--peer: list peer NIs in recovery\n"
            ) { t, a in t.debugRecovery(a) },
            Sub(name: "peer", help: "show peer debug information\n\t--nid: peer's NID\n") { t, a in t.debugPeer(a) },
            Sub(name: "nidlist", help: "expand a NID list\n") { t, a in t.debugNidlist(a) },
        ]
    }

    mutating func debugRecovery(_ args: [String]) -> Int {
        let local = args.contains("--local") || args.contains("-l")
        let peer = args.contains("--peer") || args.contains("-p")
        guard local || peer else { return -22 }
        let state = node.load()
        guard state.configured else {
            out.stdout += "Operation failed: Network is down\n"
            return -100
        }
        let nids: [NID] =
            local
            // 0@lo's health starts at 0 (never initialised) without it being queued; set below
            // the maximum (net set --all), it is queued like any NI.
            ? state.allNIs.filter { $0.health < 1000 && ($0.nid.net.type != "lo" || $0.health > 0) }.map(\.nid)
            : state.peers.flatMap(\.nis).filter { $0.health < 1000 }.map(\.nid)
        guard !nids.isEmpty else { return 0 }
        out.stdout += local ? "Local NI recovery:\n" : "Peer NI recovery:\n"
        for (i, nid) in nids.enumerated() { out.stdout += "      nid-\(i): \(nid)\n" }
        return 0
    }

    mutating func debugPeer(_ args: [String]) -> Int {
        guard let index = args.firstIndex(where: { $0 == "--nid" || $0 == "-k" }), index + 1 < args.count else {
            cyamlError("debug", "peer", -22, "--nid must be specified")
            return -22
        }
        guard NID.isValid(args[index + 1]) else {
            cyamlError("debug", "peer", -22, "\"badly formatted primary NID: \(args[index + 1])\"")
            return -22
        }
        return 0
    }

    mutating func debugNidlist(_ args: [String]) -> Int {
        for arg in args {
            guard let nids = try? NIDList.expand(arg) else { return -22 }
            for nid in nids { out.stdout += nid + "\n" }
        }
        return 0
    }
}
