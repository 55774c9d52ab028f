import Foundation

/// Everything the simulated kernel LNet of one node holds, saved as JSON in the node's directory.
public struct SimState: Codable, Sendable {
    public var configured = false
    /// The quirk of a plain `lnet configure`: the `networks` parameter stays ignored afterwards.
    public var ignoreNetworks = false
    public var nets: [SimNet] = []
    public var peers: [SimPeer] = []
    public var routes: [SimRoute] = []
    /// Routing (forwarding): 0 disabled, 1 enabled.
    public var routing = 0
    /// When routing was last switched (seconds since 1970), for the transitional states.
    public var routingChangedAt: Double?
    /// Whether router buffer pools exist (after routing was first enabled).
    public var buffersAllocated = false
    public var tinyBuffers = 2048
    public var smallBuffers = 16384
    public var largeBuffers = 1024
    public var globals = SimGlobals()
    public var udsp: [UDSPRule] = []
    public var dropRules: [FaultRule] = []
    public var delayRules: [FaultRule] = []
    public var stats = SimStats()
    /// Simulated interfaces taken down (`lutf sim link IF down`).
    public var downInterfaces: [String] = []
    /// `debug` mask of lctl.
    public var debugMask: UInt32 = DebugLog.defaultMask
    public var debugLog: [DebugRecord] = []
    public var lst = LSTConsole()
    /// Whether the lnet_selftest module is loaded (`lutf sim load lnet_selftest`, what
    /// `modprobe lnet_selftest` does on a real node): it holds LNet, so `lnet unconfigure` fails
    /// with EBUSY until it is unloaded, with or without a session.
    public var selftestLoaded = false

    public init() {}

    /// The raw routing state `routing show` prints: 3 (starting) for the first 110 s after
    /// routing is enabled, 2 (stopping) for 110 s after it is disabled, else 1 or 0. (110 s is
    /// alive_router_check_interval plus router_ping_timeout.) Forwarding follows the setting at once.
    public var routingDisplay: Int {
        let recent = routingChangedAt.map { Date().timeIntervalSince1970 - $0 < 110 } ?? false
        if routing == 1 { return recent ? 3 : 1 }
        return recent ? 2 : 0
    }

    /// The NIs of every net, lo included.
    public var allNIs: [SimNI] { nets.flatMap(\.nis) }

    public func netIndex(_ net: LNetNet) -> Int? { nets.firstIndex { $0.net == net } }

    /// The NI with `nid`, as (net index, NI index).
    public func niIndex(_ nid: NID) -> (Int, Int)? {
        for (n, net) in nets.enumerated() {
            if let i = net.nis.firstIndex(where: { $0.nid == nid }) { return (n, i) }
        }
        return nil
    }

    /// The peer that has `nid` among its NIs.
    public func peerIndex(containing nid: NID) -> Int? {
        peers.firstIndex { $0.nis.contains { $0.nid == nid } }
    }

    /// Resets everything `lnet unconfigure` discards (sysfs globals persist).
    public mutating func unconfigure() {
        configured = false
        nets = []
        peers = []
        routes = []
        routing = 0
        routingChangedAt = nil
        buffersAllocated = false
        udsp = []
        dropRules = []
        delayRules = []
        stats = SimStats()
    }
}

/// A local net: its NIs and the tunables its first NI fixed.
public struct SimNet: Codable, Sendable {
    public var net: LNetNet
    public var nis: [SimNI] = []
    public var peerTimeout = 180
    public var peerCredits = 8
    public var peerBufferCredits = 0
    public var credits = 256
    public var lndTimeout = 50

    public init(net: LNetNet) {
        self.net = net
        if net.type == "lo" {
            peerTimeout = 0
            peerCredits = 0
            credits = 0
        }
    }
}

/// A local network interface of LNet.
public struct SimNI: Codable, Sendable {
    public var nid: NID
    public var interface: String?
    public var health = 1000
    public var cpts: [Int] = [0]
    public var connsPerPeer = 1
    public var tos = -1
    public var counters = NICounters()

    public init(nid: NID, interface: String?) {
        self.nid = nid
        self.interface = interface
        if nid.net.type == "lo" { health = 0 }
    }

    /// Set when the NI's health last reached 0 and cleared when it last reached the maximum:
    /// 6.1 changes an NI's status only there, so a value set in between (5000 included, which
    /// netlink stores unclamped) leaves the status as it was. `nil` in state files from before.
    public var down: Bool?

    /// Sets the health as `net set --health` does (`lnet_ni_set_healthv`).
    public mutating func setHealth(_ value: Int) {
        health = value
        if value == 0 { down = true } else if value == 1000 { down = nil }
    }

    /// Raises the health after a message succeeded (`lnet_inc_ni_healthv`): by `sensitivity`,
    /// but to the maximum at once from anything at or above it less the sensitivity (a 5000 too).
    public mutating func improveHealth(by sensitivity: Int) {
        health = health + sensitivity >= 1000 ? 1000 : health + sensitivity
        if health == 1000 { down = nil }
    }

    /// `up` or `down` as `net show` reports it (lo is always up).
    public func status(interfaceUp: Bool) -> String {
        if nid.net.type == "lo" { return "up" }
        return down == true || !interfaceUp ? "down" : "up"
    }
}

/// Message counters of an NI or a peer NI.
public struct NICounters: Codable, Sendable {
    public var sendCount = 0
    public var recvCount = 0
    public var dropCount = 0
    /// put, get, reply, ack, hello.
    public var sent = [0, 0, 0, 0, 0]
    public var received = [0, 0, 0, 0, 0]
    public var dropped = [0, 0, 0, 0, 0]
    public var interrupts = 0
    public var droppedErrors = 0
    public var aborted = 0
    public var noRoute = 0
    public var timeouts = 0
    public var errors = 0
    public var networkTimeouts = 0
    public var pingCount = 0
    /// PUTs answered by their ACK that 6.1 times (a discovery push): `put_egress_samples` and
    /// `put_ack_samples`. (`nil` in state files from before.)
    public var putSamples: Int?

    public init() {}

    /// The latency keys of `statistics`: the PUT sample counts, every duration 0 (durations are
    /// not compared with real LNet's, see docs/SIMULATOR.md §6).
    public var latencyStatistics: [(String, Int)] {
        LNetCtl.latencyKeys.map { key in
            (key, key == "put_egress_samples" || key == "put_ack_samples" ? putSamples ?? 0 : 0)
        }
    }

    public static let kinds = ["put", "get", "reply", "ack", "hello"]
    public static let put = 0
    public static let get = 1
    public static let reply = 2
    public static let ack = 3
}

/// A peer: a primary NID and its NIs.
public struct SimPeer: Codable, Sendable {
    public var primary: NID
    public var nis: [SimPeerNI]
    public var configured = false
    public var multiRail = false
    public var lockPrimary = false
    public var discovered = false
    /// Raw `peer state` set by `peer set --state` (debug), if any.
    public var rawState: Int?
    /// A gateway a route created whose NID no node of the fabric has: the router checker's
    /// discovery of it failed (its NI `down`, a tx credit taken, `peer state` 155680 on 6.1).
    public var unreachableGateway: Bool?
    /// Its last discovery failed (no answer, or refused for a locked primary).
    public var discoveryFailed: Bool?

    public init(primary: NID, nis: [NID], configured: Bool, multiRail: Bool) {
        self.primary = primary
        self.nis = nis.map { SimPeerNI(nid: $0) }
        self.configured = configured
        self.multiRail = multiRail
    }

    /// The `peer state` bitmask.
    public var stateBits: Int {
        if let rawState { return rawState }
        if unreachableGateway == true { return 155680 }
        var bits = 0
        if multiRail { bits |= 0x1 }
        if configured { bits |= 0x8 }
        if discoveryFailed == true {
            // What 6.1 shows after a failed discovery (the ping failed, to be retried; a
            // configured peer keeps one more bit).
            bits |= 0x2020 | (configured ? 0x4000 : 0)
        } else if discovered {
            bits |= 0x10 | 0x100
        }
        if lockPrimary { bits |= 0x100000 }
        return bits
    }

    /// NIs in `peer show` order: by net, the nets in the order their first NI was added (the
    /// primary's first, as it was added first, unless the primary moved), each net's NIs in the
    /// order they were added.
    public var orderedNIs: [SimPeerNI] {
        var nets: [LNetNet] = []
        for ni in nis where !nets.contains(ni.nid.net) { nets.append(ni.nid.net) }
        return nets.flatMap { net in nis.filter { $0.nid.net == net } }
    }
}

public struct SimPeerNI: Codable, Sendable {
    public var nid: NID
    public var health = 1000
    public var counters = NICounters()

    public init(nid: NID) {
        self.nid = nid
    }
}

public struct SimRoute: Codable, Sendable {
    public var net: LNetNet
    public var gateway: NID
    public var hop = -1
    public var priority = 0
    /// When the route was last chosen, relative to the other routes to its net: the
    /// least recently used of equally good routes is chosen next (round robin).
    public var sequence = 0

    public init(net: LNetNet, gateway: NID) {
        self.net = net
        self.gateway = gateway
    }

    /// The hop count route choice compares: an undefined count (-1) counts as 1.
    public var effectiveHops: Int { hop == -1 ? 1 : hop }

    /// Whether `self` is a better route than `other` to the same net: lower priority value,
    /// then fewer hops, then used less recently (the kernel's `lnet_compare_routes`).
    public func isBetter(than other: SimRoute) -> Bool {
        if priority != other.priority { return priority < other.priority }
        if effectiveHops != other.effectiveHops { return effectiveHops < other.effectiveHops }
        return sequence < other.sequence
    }
}

/// The `set`/`global show` parameters.
public struct SimGlobals: Codable, Sendable {
    public var numaRange = 0
    public var maxInterfaces = 4096
    public var discovery = 1
    public var dropAsymRoute = 0
    public var retryCount = 2
    public var transactionTimeout = 150
    public var healthSensitivity = 100
    public var recoveryInterval = 1
    public var routerSensitivity = 100
    public var responseTracking = 3
    public var recoveryLimit = 0
    public var maxRecoveryPingInterval = 900

    public init() {}

    /// `max((transaction_timeout-1)/(retry_count+1), 1)`.
    public var lndTimeout: Int { max((transactionTimeout - 1) / (retryCount + 1), 1) }
}

/// `stats show` counters, in their printed order.
public struct SimStats: Codable, Sendable {
    public static let keys = [
        "msgs_alloc", "msgs_max", "rst_alloc", "errors", "send_count", "resend_count", "response_timeout_count",
        "local_interrupt_count", "local_dropped_count", "local_aborted_count", "local_no_route_count",
        "local_timeout_count", "local_error_count", "remote_dropped_count", "remote_error_count",
        "remote_timeout_count", "network_timeout_count", "failed_resends", "successful_resends", "recv_count",
        "route_count", "drop_count", "send_length", "recv_length", "route_length", "drop_length",
    ]
    public var values: [String: Int] = [:]

    public init() {}

    public subscript(key: String) -> Int {
        get { values[key] ?? 0 }
        set { values[key] = newValue }
    }
}

/// A User Defined Selection Policy rule.
public struct UDSPRule: Codable, Sendable, Equatable {
    public var src: String?
    public var dst: String?
    public var rte: String?
    public var priority: Int

    public init(src: String?, dst: String?, rte: String?, priority: Int) {
        self.src = src
        self.dst = dst
        self.rte = rte
        self.priority = priority
    }

    public func sameMatch(_ other: UDSPRule) -> Bool {
        src == other.src && dst == other.dst && rte == other.rte
    }
}

/// A drop or delay rule (`fault drop|delay add`, `lctl net_drop_add`).
public struct FaultRule: Codable, Sendable {
    /// `*`, `*@NET` or a NID.
    public var source: String
    public var destination: String
    public var rate = 0
    public var interval = 0
    public var messageMask = 15
    public var portalMask: UInt64 = 0
    public var localNID: String?
    public var healthError: String?
    public var random = false
    public var dropAll = false
    /// Seconds (delay rules).
    public var latency = 0
    /// Interval rules: when the current window began, i.e. when the next matching message is hit
    /// (seconds since 1970; set when the rule is added or reset).
    public var nextHitAt: Double?
    public var matched = 0
    public var applied = 0
    public var put = 0
    public var ack = 0
    public var get = 0
    public var reply = 0

    public init(source: String, destination: String) {
        self.source = source
        self.destination = destination
    }

    /// Whether `pattern` (a rule's source or destination) matches `nid`.
    public static func matches(_ pattern: String, _ nid: NID) -> Bool {
        if pattern == "*" { return true }
        if pattern.hasPrefix("*@") { return LNetNet(parsing: String(pattern.dropFirst(2))) == nid.net }
        return (try? NID(parsing: pattern)) == nid
    }

    /// Starts the first interval window at `now` (when the rule is added, and on reset).
    public mutating func start(now: Double) {
        nextHitAt = interval > 0 ? now : nil
    }

    /// Counts a matching message and says whether this one is hit (dropped or delayed): every
    /// `rate`th message, or every message when `drop_all`. An interval rule hits one message
    /// per window of `interval` seconds: the first that matches once the window has begun.
    /// Windows follow each other from the time the rule was added; after a window with no
    /// match, the next one begins at the message hit. (The kernel hits the first message after
    /// a random point of each window; here that point is the window's start.)
    public mutating func hit(kind: Int, now: Double) -> Bool {
        matched += 1
        switch kind {
        case NICounters.put: put += 1
        case NICounters.get: get += 1
        case NICounters.reply: reply += 1
        default: ack += 1
        }
        let isHit: Bool
        if dropAll || rate == 1 {
            isHit = true
        } else if rate > 1 {
            isHit = matched % rate == 0
        } else if interval > 0 {
            let window = Double(interval)
            let start = nextHitAt ?? now
            isHit = now >= start
            if isHit { nextHitAt = now - start < window ? start + window : now + window }
        } else {
            isHit = false
        }
        if isHit { applied += 1 }
        return isHit
    }

    /// The pattern as `fault show` prints it: `*` is `<?>`, `*@tcp` is `255.255.255.255@tcp`.
    /// A pattern as `lctl net_drop_list` prints it: `*` as 0.0.0.0@tcp.
    public static func listed(_ pattern: String) -> String {
        pattern == "*" ? "0.0.0.0@tcp" : display(pattern)
    }

    public static func display(_ pattern: String) -> String {
        if pattern == "*" { return "<?>" }
        if pattern.hasPrefix("*@") { return "255.255.255.255@" + pattern.dropFirst(2) }
        return (try? NID(parsing: pattern))?.description ?? pattern
    }
}
