import LUTFCore
import OrderedCollections

/// What happened to an agent, for those who wait on agents (barriers, running tests).
public enum AgentEvent: Sendable, Equatable {
    case joined(String)
    case died(String, reason: String)
}

/// The agents the master knows, alive and dead, by name.
///
/// An agent is dead when its connection closes or when it has been silent for the configured
/// number of heartbeat intervals. Death fails its calls in flight at once. Dead agents stay listed
/// (with the reason) until an agent of the same name registers again.
public actor AgentRegistry {
    private struct Entry {
        var link: AgentLink
        var deadReason: String?
    }

    private var entries: OrderedDictionary<String, Entry> = [:]
    private var watchers: [Int: AsyncStream<AgentEvent>.Continuation] = [:]
    private var nextWatcher = 0

    public init() {}

    /// Adds an agent, or replaces a dead one (or the earlier connection of the same agent process).
    ///
    /// - Throws: `refused` when a different live agent already has the name.
    public func register(_ link: AgentLink) throws(LUTFError) {
        let name = link.name
        if let existing = entries[name], existing.deadReason == nil {
            guard existing.link.identity.instance == link.identity.instance, !link.identity.instance.isEmpty else {
                let old = existing.link.identity
                throw LUTFError(
                    .refused,
                    "agent name '\(name)' is already in use by a live agent at \(old.address) (host \(old.hostname), pid \(old.pid), last heartbeat \(existing.link.silence.secondsText) ago); choose another --name or stop that agent"
                )
            }
            existing.link.rpc.failAll(
                LUTFError(
                    .agentDead, "agent '\(name)' reconnected; calls on its old connection are lost",
                    details: ["node": .string(name)]))
            existing.link.channel.close(promise: nil)
        }
        entries[name] = Entry(link: link)
        notify(.joined(name))
    }

    /// Marks the agent of `link` dead because its connection ended, unless a newer connection has
    /// taken its place or it is already dead.
    public func disconnected(_ link: AgentLink, reason: String) {
        markDead(link, reason: reason)
    }

    /// Marks dead every live agent silent for longer than `limit` seconds and returns their links
    /// (whose connections the caller closes).
    public func reap(silentLongerThan limit: Double) -> [AgentLink] {
        var dead: [AgentLink] = []
        for entry in entries.values where entry.deadReason == nil {
            let silence = entry.link.silence
            if silence > limit {
                markDead(entry.link, reason: "no heartbeat for \(silence.secondsText)")
                dead.append(entry.link)
            }
        }
        return dead
    }

    private func markDead(_ link: AgentLink, reason: String) {
        let name = link.name
        guard var entry = entries[name], entry.link === link, entry.deadReason == nil else { return }
        entry.deadReason = reason
        entries[name] = entry
        link.rpc.failAll(LUTFError(.agentDead, "agent '\(name)' died: \(reason)", details: ["node": .string(name)]))
        notify(.died(name, reason: reason))
    }

    /// The live link for `name`.
    ///
    /// - Throws: `not_found` naming the agents that exist, or `agent_dead` with the reason.
    public func link(named name: String) throws(LUTFError) -> AgentLink {
        guard let entry = entries[name] else {
            let known = entries.keys.isEmpty ? "none are connected" : "known: \(entries.keys.joined(separator: ", "))"
            throw LUTFError(.notFound, "no agent named '\(name)' (\(known))", details: ["node": .string(name)])
        }
        if let reason = entry.deadReason {
            throw LUTFError(.agentDead, "agent '\(name)' is dead: \(reason)", details: ["node": .string(name)])
        }
        return entry.link
    }

    /// Every known agent, in order of first registration.
    public func snapshot() -> [AgentStatus] {
        entries.values.map { entry in
            AgentStatus(
                identity: entry.link.identity,
                state: entry.deadReason == nil ? .alive : .dead,
                deadReason: entry.deadReason,
                lastHeartbeat: entry.link.silence,
                connectedFor: Monotonic.secondsSince(entry.link.connectedAt))
        }
    }

    /// The live agents' links.
    public func liveLinks() -> [AgentLink] {
        entries.values.filter { $0.deadReason == nil }.map(\.link)
    }

    /// Why each dead agent died, by name.
    public func deadReasons() -> [String: String] {
        var reasons: [String: String] = [:]
        for (name, entry) in entries { if let reason = entry.deadReason { reasons[name] = reason } }
        return reasons
    }

    /// Those of `names` that are not registered and alive (for waits until agents join).
    public func notAlive(_ names: [String]) -> [String] {
        names.filter { !isAlive($0) }
    }

    /// Whether `name` is registered and alive.
    public func isAlive(_ name: String) -> Bool {
        entries[name].map { $0.deadReason == nil } ?? false
    }

    /// A stream of joins and deaths from now on; it ends when the caller stops iterating.
    public func events() -> AsyncStream<AgentEvent> {
        let (stream, continuation) = AsyncStream<AgentEvent>.makeStream(bufferingPolicy: .unbounded)
        let id = nextWatcher
        nextWatcher += 1
        watchers[id] = continuation
        return stream
    }

    /// Delivers `event` to every watcher, forgetting watchers that stopped listening.
    private func notify(_ event: AgentEvent) {
        for (id, watcher) in watchers {
            if case .terminated = watcher.yield(event) { watchers[id] = nil }
        }
    }
}
