import Foundation

/// The simulated cluster seen from one node: which node owns a NID, whether a message gets
/// through (interfaces up, same LNet net, no drop rule, routes through routers), and the
/// effects of traffic on both ends (counters, peers, health).
///
/// Locks are never nested: a node's state is read without a lock, and each node is locked on
/// its own while its counters change.
public struct Fabric {
    let node: SimNode

    public init(node: SimNode) {
        self.node = node
    }

    /// A node of the fabric (this one included) with its state and interfaces.
    struct Member {
        var node: SimNode
        var state: SimState
        var interfaces: [SimInterface]
    }

    func members() -> [Member] {
        let own = node.load()
        var list = [Member(node: node, state: own, interfaces: node.interfaces(state: own))]
        for peer in node.fabricPeers() {
            list.append(Member(node: peer, state: peer.load(), interfaces: peer.publishedInterfaces()))
        }
        return list
    }

    /// The configured node that has an NI with `nid`.
    static func owner(of nid: NID, in members: [Member]) -> Member? {
        members.first { $0.state.configured && $0.state.niIndex(nid) != nil }
    }

    /// Whether the NI with `nid` on `member` can send and receive (interface up, health > 0).
    static func usable(_ nid: NID, on member: Member) -> Bool {
        guard let (n, i) = member.state.niIndex(nid) else { return false }
        let ni = member.state.nets[n].nis[i]
        return ni.health > 0 && SimNode.interfaceUp(ni, interfaces: member.interfaces)
    }

    /// A route's state as `route show -v` reports it: up when the gateway answers and forwards;
    /// single-hop when the gateway is on the remote net itself, which a node learns from the
    /// gateway's answers once it has routed (and keeps when the route goes down again: 6.1).
    static func gatewayStatus(_ route: SimRoute, members: [Member]) -> (up: Bool, singleHop: Bool) {
        guard let gateway = Self.owner(of: route.gateway, in: members) else { return (false, false) }
        let singleHop = gateway.state.buffersAllocated && gateway.state.netIndex(route.net) != nil
        return (usable(route.gateway, on: gateway) && gateway.state.routing == 1, singleHop)
    }

    /// One hop a message takes: from a local NI of `from` to `destination`.
    struct Hop {
        var from: Member
        var source: NID
        var destination: NID
        /// The route `from` chose for this hop (nil when `destination` is on a local net).
        var route: SimRoute?
        /// Whether `from` forwards the message (a router) rather than originates it.
        var forwarding: Bool
    }

    /// Why a message did not get through.
    enum Loss: Error {
        case noRoute
        case localDown(NID)
        case dropped(by: String, rule: Bool)
        case timeout
    }

    /// The hops a message from `start` to `target` takes (directly, or through routers, each
    /// applying its own routes), choosing `source` if given (`strict`: only that NI), else the
    /// healthiest local NI on the needed net. `replyVia` is the router a request came in
    /// through: the reply goes back to it when `start` has a route through that router (the
    /// kernel's `lnet_handle_find_routed_path` with a router NID).
    func path(
        from start: Member, to target: NID, source: NID?, strict: Bool = true, replyVia router: NID? = nil,
        members all: [Member]
    ) -> Result<[Hop], Loss> {
        var current = start
        var hops: [Hop] = []
        for _ in 0..<4 {
            let first = hops.isEmpty
            let preferred = first ? source : nil
            if current.state.netIndex(target.net) != nil {
                guard let ni = bestNI(on: current, net: target.net, preferred: preferred, strict: strict) else {
                    return .failure(.localDown(NID(address: "0", net: target.net)))
                }
                hops.append(Hop(from: current, source: ni, destination: target, route: nil, forwarding: !first))
                return .success(hops)
            }
            let gateway: NID
            var route: SimRoute?
            if first, let router, current.state.netIndex(router.net) != nil,
                isGateway(router, of: current, members: all)
            {
                gateway = router
            } else {
                guard let best = bestRoute(on: current, to: target.net, members: all) else {
                    return .failure(.noRoute)
                }
                gateway = best.gateway
                route = best
            }
            guard let ni = bestNI(on: current, net: gateway.net, preferred: preferred, strict: strict) else {
                return .failure(.localDown(gateway))
            }
            hops.append(Hop(from: current, source: ni, destination: gateway, route: route, forwarding: !first))
            guard let next = Self.owner(of: gateway, in: all), next.state.routing == 1 else {
                return .success(hops)  // delivery to the gateway fails later
            }
            current = next
        }
        return .failure(.noRoute)
    }

    /// The route `member` takes to `net`: among those whose gateway is alive and forwards, the
    /// best by priority, then hop count, then least recently used (round robin). `nil` when no
    /// route to `net` is up: real LNet then fails at once with -113 (EHOSTUNREACH).
    func bestRoute(on member: Member, to net: LNetNet, members all: [Member]) -> SimRoute? {
        let routes = member.state.routes.filter { $0.net == net }
        func best(_ list: [SimRoute]) -> SimRoute? {
            list.reduce(nil) { chosen, route in
                guard let chosen else { return route }
                return route.isBetter(than: chosen) ? route : chosen
            }
        }
        let alive = routes.filter { r in
            Self.owner(of: r.gateway, in: all).map { Self.usable(r.gateway, on: $0) && $0.state.routing == 1 } ?? false
        }
        return best(alive)
    }

    /// Whether `nid` belongs to a node that `member` has as the gateway of one of its routes.
    func isGateway(_ nid: NID, of member: Member, members all: [Member]) -> Bool {
        let router = Self.owner(of: nid, in: all)?.node.directory
        return member.state.routes.contains { route in
            route.gateway == nid || (router != nil && Self.owner(of: route.gateway, in: all)?.node.directory == router)
        }
    }

    func bestNI(on member: Member, net: LNetNet, preferred: NID?, strict: Bool = true) -> NID? {
        guard let n = member.state.netIndex(net) else { return nil }
        let nis = member.state.nets[n].nis
        if let preferred, strict || nis.contains(where: { $0.nid == preferred }) {
            return nis.contains { $0.nid == preferred } ? preferred : nil
        }
        let usable = nis.filter { $0.health > 0 && SimNode.interfaceUp($0, interfaces: member.interfaces) }
        let pool = usable.isEmpty ? nis : usable
        return pool.max { a, b in
            a.health != b.health ? a.health < b.health : a.counters.sendCount > b.counters.sendCount
        }?.nid
    }

    /// Decides whether a message from `source` to `destination` is dropped by a rule of `member`,
    /// counting it on the rule; returns the total latency of delay rules hit.
    static func applyRules(
        _ state: inout SimState, source: NID, destination: NID, kind: Int
    ) -> (dropped: Bool, latency: Double) {
        let now = Date().timeIntervalSince1970
        var dropped = false
        for i in state.dropRules.indices
        where FaultRule.matches(state.dropRules[i].source, source)
            && FaultRule.matches(state.dropRules[i].destination, destination)
            && state.dropRules[i].messageMask & kindBit(kind) != 0
        {
            if state.dropRules[i].hit(kind: kind, now: now) { dropped = true }
        }
        var latency = 0.0
        for i in state.delayRules.indices
        where FaultRule.matches(state.delayRules[i].source, source)
            && FaultRule.matches(state.delayRules[i].destination, destination)
            && state.delayRules[i].messageMask & kindBit(kind) != 0
        {
            if state.delayRules[i].hit(kind: kind, now: now) { latency += Double(state.delayRules[i].latency) }
        }
        return (dropped, latency)
    }

    /// The fault-rule mask bit of a message kind (ACK 1, PUT 2, GET 4, REPLY 8).
    static func kindBit(_ kind: Int) -> Int {
        switch kind {
        case NICounters.put: return 2
        case NICounters.get: return 4
        case NICounters.reply: return 8
        default: return 1
        }
    }

    /// The outcome of a ping: the target's NIDs (its reply), or why it failed (errno, text).
    public struct PingResult {
        public var reply: [NID]
        public var failure: (errno: Int, text: String)?
    }

    /// Pings `target` from this node: GET there, REPLY back, through routers if needed. Updates
    /// counters, peers and health on every node the messages touch, and waits for delay rules
    /// (and, for a lost message, up to `timeout` capped at ``maxWait``).
    /// With `discover`, the target's NIDs update its peer record (discovery, where it is on) and
    /// the target learns this node's NIDs (the discovery push); a plain ping discovers nothing.
    public func ping(_ target: NID, source: NID?, timeout: Double, discover: Bool = false) throws -> PingResult {
        let all = members()
        if target == .loopback {
            // The node answers itself with its own NIDs.
            try node.modify { state in
                state.count(sentFrom: .loopback, to: .loopback, kind: NICounters.get)
                state.count(receivedAt: .loopback, from: .loopback, kind: NICounters.get)
            }
            return PingResult(reply: all[0].state.allNIs.map(\.nid).filter { $0 != .loopback }, failure: nil)
        }
        let hops: [Hop]
        switch path(from: all[0], to: target, source: source, members: all) {
        case .failure(.noRoute):
            return PingResult(reply: [], failure: (-113, "No route to host"))
        case .failure:
            // The local NI is down: a peer already connected times out, anything else is refused
            // at once (what the kernel's lnet_ping says with a dead interface).
            let known = all[0].state.peerIndex(containing: target) != nil
            try recordLocalFailure(target: target)
            if !known { return PingResult(reply: [], failure: (-22, "Invalid argument")) }
            wait(min(timeout, node.maxWait))
            return PingResult(reply: [], failure: (-5, "Input/output error"))
        case .success(let h):
            hops = h
        }
        try node.modify { state in
            state.stats["rst_alloc"] += 1
            // The pinged NID becomes a peer of its own: a ping does not discover.
            if hops.count == 1 { state.ensurePeer(target, discovered: nil) }
        }
        // socklnd must reach the first hop's address: no host there, no IP route, or no LNet.
        if let first = hops.first, Self.owner(of: first.destination, in: all) == nil {
            let hosts = all.contains { $0.interfaces.contains { $0.addresses.contains(first.destination.address) } }
            let onSubnet = Self.sameSubnet(first.source.address, first.destination.address)
            try node.modify { state in
                state.count(sentFrom: first.source, to: first.destination, kind: NICounters.get)
                if hosts { state.stats["remote_dropped_count"] += 1 }
                if discover, let p = state.peerIndex(containing: target) { state.peers[p].discoveryFailed = true }
            }
            if hosts { return PingResult(reply: [], failure: (-111, "Connection refused")) }
            if !onSubnet { return PingResult(reply: [], failure: (-101, "Network is unreachable")) }
            wait(min(3, node.maxWait))  // ARP gives up after about 3 s
            return PingResult(reply: [], failure: (-113, "No route to host"))
        }
        var latency = 0.0
        // The GET: each hop's receiver applies its rules and counts it.
        var lost = try send(hops, kind: NICounters.get, to: target, latency: &latency, members: all)
        var reply: [NID] = []
        if !lost, let targetMember = Self.owner(of: target, in: all) {
            reply = targetMember.state.allNIs.map(\.nid).filter { $0 != .loopback }
            // The REPLY is a message of its own from the target to the originator's NI, routed
            // by the target's routes (back through the router the GET came from, if the target
            // routes through it). A routed GET's target knows the originator as a peer (beside
            // the router it came from) even when it cannot answer.
            let originator = hops[0].source
            let router = hops.count > 1 ? hops[hops.count - 1].source : nil
            if router != nil { try targetMember.node.modify { $0.ensurePeer(originator, discovered: nil) } }
            switch path(
                from: targetMember, to: originator, source: target, strict: false, replyVia: router, members: all)
            {
            case .success(let back):
                let length = Self.replyLength(nis: targetMember.state.allNIs.count)
                lost = try send(
                    back, kind: NICounters.reply, to: originator, latency: &latency, members: all, length: length)
            case .failure:
                try targetMember.node.modify { state in
                    state.debug(
                        "neterror", "lib-move.c:2431:lnet_handle_find_routed_path()",
                        "no route to \(originator) from \(target)")
                }
                lost = true
            }
        } else {
            lost = true
        }
        if latency > 0 { wait(min(latency, timeout)) }
        if lost || latency >= timeout {
            try recordTimeout(hops: hops, target: target)
            wait(min(max(0, timeout - latency), node.maxWait))
            return PingResult(reply: [], failure: (-5, "Input/output error"))
        }
        // A configured peer whose primary is locked on another NID than the one the node
        // answers with: the discovery is refused (EPERM, errno -1 on 6.1), the peer unchanged.
        let local = all[0].state.peerIndex(containing: target).map { all[0].state.peers[$0] }
        if discover, let local, local.configured, local.lockPrimary, let first = reply.first, first != local.primary {
            try recordSuccess(hops: hops, target: target, reply: reply, discover: false)
            try node.modify { state in
                if let p = state.peerIndex(containing: target) { state.peers[p].discoveryFailed = true }
            }
            return PingResult(reply: [], failure: (-1, "Operation not permitted"))
        }
        try recordSuccess(hops: hops, target: target, reply: reply, discover: discover)
        if discover, hops.count == 1, let targetMember = Self.owner(of: target, in: all),
            targetMember.state.globals.discovery == 1
        {
            // The discovery push both ways: each side PUTs its ping buffer to the other, which
            // ACKs it and takes the sender's NIDs into its peer record.
            let hop = hops[0]
            let mine = all[0].state.allNIs
            let theirs = targetMember.state.allNIs
            let back = Hop(from: targetMember, source: target, destination: hop.source, route: nil, forwarding: false)
            var ignored = 0.0
            try node.modify { $0.stats["rst_alloc"] += 1 }
            let pushLost = try send(
                [hop], kind: NICounters.put, to: target, latency: &ignored, members: all,
                length: Self.replyLength(nis: mine.count))
            let ackLost = try send([back], kind: NICounters.ack, to: hop.source, latency: &ignored, members: all)
            if !pushLost && !ackLost { try Self.samplePut(on: node, from: hop.source, to: target) }
            try targetMember.node.modify { state in
                state.stats["rst_alloc"] += 1
                state.stats["msgs_max"] = max(state.stats["msgs_max"], 2)
                state.ensurePeer(hop.source, discovered: mine.map(\.nid).filter { $0 != .loopback })
            }
            // The target's own push to a Multi-Rail originator (discovery on) goes out as its
            // multi-rail sends do: from the NI that has sent least, to the originator's NI on that
            // net (6.1 sent it on the other rail when the ping and the first push had both come
            // in on one); to any other, back the way the ping came.
            let (pushFrom, pushTo) =
                all[0].state.globals.discovery == 1
                ? Self.leastUsedPair(from: targetMember.node.load().allNIs, to: mine, default: (target, hop.source))
                : (target, hop.source)
            let pushBack = Hop(from: targetMember, source: pushFrom, destination: pushTo, route: nil, forwarding: false)
            let ackBack = Hop(from: hop.from, source: pushTo, destination: pushFrom, route: nil, forwarding: false)
            let backLost = try send(
                [pushBack], kind: NICounters.put, to: pushTo, latency: &ignored, members: all,
                length: Self.replyLength(nis: theirs.count))
            let backAckLost = try send([ackBack], kind: NICounters.ack, to: pushFrom, latency: &ignored, members: all)
            if !backLost && !backAckLost { try Self.samplePut(on: targetMember.node, from: pushFrom, to: pushTo) }
        }
        return PingResult(reply: reply, failure: nil)
    }

    /// A message to a portal nobody listens on at `target` (lst's session RPC to a node without
    /// lnet_selftest): sent, and dropped as it arrives (the target's NI counts a drop, not a
    /// receive, and knows the sender as a peer). Only a target on a local net.
    func sendUnheard(to target: NID, kind: Int, members all: [Member]) throws {
        guard case .success(let hops) = path(from: all[0], to: target, source: nil, strict: false, members: all),
            hops.count == 1, let hop = hops.first, let receiver = Self.owner(of: target, in: all)
        else { return }
        try node.modify { $0.count(sentFrom: hop.source, to: target, kind: kind) }
        try receiver.node.modify { state in
            state.stats["drop_count"] += 1
            state.stats["drop_length"] += SimState.length(of: kind)
            if let (n, i) = state.niIndex(target) {
                state.nets[n].nis[i].counters.dropCount += 1
                state.nets[n].nis[i].counters.dropped[kind] += 1
            }
            state.ensurePeer(hop.source, discovered: nil)
        }
    }

    /// Why lst's session RPC (a GET) to `target` fails, or `nil` when it arrives: -113 without a
    /// route up to its net; -110 when it is lost (a drop rule, a link down), after which the
    /// sender's peer NI has timed out once (health down by the sensitivity, as 6.1's 900).
    func sessionRPCFailure(to target: NID, members all: [Member]) throws -> Int? {
        guard case .success(let hops) = path(from: all[0], to: target, source: nil, strict: false, members: all) else {
            return -113
        }
        try node.modify { $0.ensurePeer(hops[0].destination, discovered: nil) }
        var latency = 0.0
        guard try send(hops, kind: NICounters.get, to: target, latency: &latency, members: all) else { return nil }
        try node.modify { state in
            state.stats["response_timeout_count"] += 1
            state.lowerHealth(ofPeerNI: hops[0].destination)
        }
        wait(node.maxWait)
        return -110
    }

    /// A PUT from `local` answered by `remote`'s ACK: one sample on the NI and on the peer NI.
    static func samplePut(on node: SimNode, from local: NID, to remote: NID) throws {
        try node.modify { state in
            if let (n, i) = state.niIndex(local) {
                state.nets[n].nis[i].counters.putSamples = (state.nets[n].nis[i].counters.putSamples ?? 0) + 1
            }
            if let p = state.peerIndex(containing: remote),
                let i = state.peers[p].nis.firstIndex(where: { $0.nid == remote })
            {
                state.peers[p].nis[i].counters.putSamples = (state.peers[p].nis[i].counters.putSamples ?? 0) + 1
            }
        }
    }

    /// The local NI that has sent least and the remote NI on its net, for a message a node
    /// sends of its own accord to a peer with several NIs; `fallback` when they share no net.
    static func leastUsedPair(from local: [SimNI], to remote: [SimNI], default fallback: (NID, NID)) -> (NID, NID) {
        var best: (SimNI, NID)?
        for ni in local where ni.nid != .loopback && ni.down != true {
            guard let peer = remote.first(where: { $0.nid.net == ni.nid.net && $0.nid != .loopback }) else { continue }
            if best == nil || ni.counters.sendCount < best!.0.counters.sendCount { best = (ni, peer.nid) }
        }
        return best.map { ($0.0.nid, $0.1) } ?? fallback
    }

    /// The size of a ping's REPLY: the ping buffer, 16 bytes of header and 16 per NI (lo included).
    static func replyLength(nis: Int) -> Int { 16 + 16 * nis }

    /// Whether two IPv4 addresses share a /24 (the guests' and the embedded cluster's subnets).
    static func sameSubnet(_ a: String, _ b: String) -> Bool {
        let x = a.split(separator: ".")
        let y = b.split(separator: ".")
        return x.count == 4 && y.count == 4 && x.prefix(3) == y.prefix(3)
    }

    /// Moves a message along `hops`, adding the delay rules' latency; `true` if it was lost on
    /// the way or did not end at `target` (a gateway that does not forward).
    func send(
        _ hops: [Hop], kind: Int, to target: NID, latency: inout Double, members all: [Member], length: Int? = nil
    ) throws -> Bool {
        for (index, hop) in hops.enumerated() {
            let outcome = try transfer(
                hop, kind: kind, receiverForwards: index < hops.count - 1, members: all, length: length)
            latency += outcome.latency
            if !outcome.delivered { return true }
        }
        return hops.last?.destination != target
    }

    func wait(_ seconds: Double) {
        guard seconds > 0 else { return }
        Thread.sleep(forTimeInterval: seconds)
    }

    /// Moves one message across a hop: the sender's rules and counters, then the receiver's
    /// (`receiverForwards`: the receiver is a router passing it on).
    ///
    /// Fault rules act where the kernel applies them, on the receiving node as a message arrives
    /// (lnet_parse): a rule matching a node's own outgoing messages never fires.
    func transfer(_ hop: Hop, kind: Int, receiverForwards: Bool, members all: [Member], length: Int?) throws -> (
        delivered: Bool, latency: Double
    ) {
        let senderUsable = Self.usable(hop.source, on: hop.from)
        let sent: Bool = try hop.from.node.modify { state in
            state.count(
                sentFrom: hop.source, to: hop.destination, kind: kind, forwarding: hop.forwarding, length: length)
            if let route = hop.route { state.markUsed(route) }
            guard senderUsable else {
                state.stats["local_dropped_count"] += 1
                return false
            }
            return true
        }
        guard sent else { return (false, 0) }
        guard let receiver = Self.owner(of: hop.destination, in: all), Self.usable(hop.destination, on: receiver) else {
            return (false, 0)
        }
        return try receiver.node.modify { state in
            let (dropped, latency) = Self.applyRules(
                &state, source: hop.source, destination: hop.destination, kind: kind)
            if dropped {
                state.stats["drop_count"] += 1
                state.stats["drop_length"] += length ?? SimState.length(of: kind)
                if let (n, i) = state.niIndex(hop.destination) {
                    state.nets[n].nis[i].counters.dropCount += 1
                    state.nets[n].nis[i].counters.dropped[kind] += 1
                }
                return (false, latency)
            }
            state.count(
                receivedAt: hop.destination, from: hop.source, kind: kind, forwarding: receiverForwards, length: length)
            return (true, latency)
        }
    }

    /// A ping that could not even leave: the local NI is down.
    func recordLocalFailure(target: NID) throws {
        try node.modify { state in
            state.stats["local_dropped_count"] += 1
            state.stats["errors"] += 1
            state.debug("neterror", "lib-move.c:5003:lnet_ping()", "no usable local NI to ping \(target): -110")
        }
    }

    /// A lost ping: the kernel gives up on the reply at the ping's timeout (-EIO) without
    /// counting a timeout or touching the peer NI's health (its response tracking outlives the
    /// ping).
    func recordTimeout(hops: [Hop], target: NID) throws {
        guard let first = hops.first else { return }
        try node.modify { state in
            state.ensurePeer(first.destination, discovered: nil)
            if hops.count == 1 { state.ensurePeer(target, discovered: nil) }
            state.debug("neterror", "lib-move.c:5003:lnet_ping()", "ping to \(target) failed: -5")
        }
    }

    /// A ping answered: health improves, and discovery (if on) updates the target's peer record.
    func recordSuccess(hops: [Hop], target: NID, reply: [NID], discover: Bool) throws {
        try node.modify { state in
            let sensitivity = max(state.globals.healthSensitivity, 1)
            if let first = hops.first, let (n, i) = state.niIndex(first.source) {
                state.nets[n].nis[i].improveHealth(by: sensitivity)
            }
            state.ensurePeer(target, discovered: discover && state.globals.discovery == 1 ? reply : nil)
            if let first = hops.first, first.destination != target {
                state.ensurePeer(first.destination, discovered: nil)
            }
            if let p = state.peerIndex(containing: target),
                let i = state.peers[p].nis.firstIndex(where: { $0.nid == target })
            {
                state.peers[p].nis[i].health = min(1000, state.peers[p].nis[i].health + sensitivity)
            }
            state.debug("net", "lib-move.c:5049:lnet_ping()", "ping \(target): reply with \(reply.count) NIDs")
        }
    }
}

extension SimState {
    /// The bytes a message counts in the `*_length` statistics: 56 for all but a GET.
    static func length(of kind: Int) -> Int { kind == NICounters.get || kind == NICounters.ack ? 0 : 56 }

    /// The kind a sent message counts as in `sent_stats`: a REPLY counts as the GET it answers,
    /// an ACK as the PUT it acknowledges (received messages count as what they are).
    static func sentKind(_ kind: Int) -> Int {
        switch kind {
        case NICounters.reply: return NICounters.get
        case NICounters.ack: return NICounters.put
        default: return kind
        }
    }

    /// Counts a message sent from local NI `source` to `destination`: in `send_count` and
    /// `send_length`, or, for a message this node forwards, in `route_count` and
    /// `route_length` (as the kernel's `lnet_msg_decommit_tx` does). The NI and peer NI
    /// counters count both.
    mutating func count(
        sentFrom source: NID, to destination: NID, kind: Int, forwarding: Bool = false, length: Int? = nil
    ) {
        stats[forwarding ? "route_count" : "send_count"] += 1
        stats[forwarding ? "route_length" : "send_length"] += length ?? Self.length(of: kind)
        stats["msgs_alloc"] = 0
        stats["msgs_max"] = max(stats["msgs_max"], 1)
        let counted = Self.sentKind(kind)
        if let (n, i) = niIndex(source) {
            nets[n].nis[i].counters.sendCount += 1
            nets[n].nis[i].counters.sent[counted] += 1
        }
        if let p = peerIndex(containing: destination), let i = peers[p].nis.firstIndex(where: { $0.nid == destination })
        {
            peers[p].nis[i].counters.sendCount += 1
            peers[p].nis[i].counters.sent[counted] += 1
        }
    }

    /// Counts a message received on local NI `destination` from `source`; a new sender becomes a
    /// (non-configured) peer. A message to forward counts on the NI and peer NI only (its
    /// `route_count` is counted when it is sent on).
    mutating func count(
        receivedAt destination: NID, from source: NID, kind: Int, forwarding: Bool = false, length: Int? = nil
    ) {
        if !forwarding {
            stats["recv_count"] += 1
            stats["recv_length"] += length ?? Self.length(of: kind)
        }
        if let (n, i) = niIndex(destination) {
            nets[n].nis[i].counters.recvCount += 1
            nets[n].nis[i].counters.received[kind] += 1
        }
        ensurePeer(source, discovered: nil)
        if let p = peerIndex(containing: source), let i = peers[p].nis.firstIndex(where: { $0.nid == source }) {
            peers[p].nis[i].counters.recvCount += 1
            peers[p].nis[i].counters.received[kind] += 1
        }
    }

    /// Records that `route` was chosen: it becomes the most recently used route to its net.
    mutating func markUsed(_ route: SimRoute) {
        let last = routes.filter { $0.net == route.net }.map(\.sequence).max() ?? 0
        if let i = routes.firstIndex(where: { $0.net == route.net && $0.gateway == route.gateway }) {
            routes[i].sequence = last + 1
        }
    }

    /// Makes sure a peer holds `nid`; with `discovered` (the target's NID list, discovery on),
    /// brings a non-configured peer's NIDs in line with it, makes it Multi-Rail, and merges peers
    /// found to be the same node (reference §4.4).
    mutating func ensurePeer(_ nid: NID, discovered: [NID]?) {
        if peerIndex(containing: nid) == nil {
            peers.append(SimPeer(primary: nid, nis: [nid], configured: false, multiRail: false))
        }
        guard let reply = discovered, !reply.isEmpty, let p = peerIndex(containing: nid) else { return }
        if peers[p].configured {
            peers[p].discovered = true
            peers[p].discoveryFailed = nil
            return
        }
        // Merge every other non-configured peer holding one of the reply's NIDs.
        for other in peers.indices.reversed() where other != p && !peers[other].configured {
            if peers[other].nis.contains(where: { reply.contains($0.nid) }) {
                if other < p {
                    peers.remove(at: other)
                    return ensurePeer(nid, discovered: discovered)
                }
                peers.remove(at: other)
            }
        }
        guard let index = peerIndex(containing: nid) else { return }
        var peer = peers[index]
        let kept = peer.nis.filter { reply.contains($0.nid) }
        let added = reply.filter { r in !kept.contains { $0.nid == r } && peerIndex(containing: r) == nil }
        peer.nis = reply.compactMap { r in kept.first { $0.nid == r } ?? (added.contains(r) ? SimPeerNI(nid: r) : nil) }
        if !peer.lockPrimary { peer.primary = reply[0] }
        peer.multiRail = true
        peer.discovered = true
        peer.discoveryFailed = nil
        peers[index] = peer
    }
}
