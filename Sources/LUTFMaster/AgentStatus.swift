import LUTFCore
import OrderedCollections

/// One agent as `lutf status` and QUERY report it.
public struct AgentStatus: Sendable {
    public enum State: String, Sendable {
        case alive
        case dead
    }

    public var identity: AgentIdentity
    public var state: State
    /// Why the agent is dead (`nil` while alive).
    public var deadReason: String?
    /// Seconds since the last heartbeat.
    public var lastHeartbeat: Double
    /// Seconds since the agent (re)connected.
    public var connectedFor: Double

    public var name: String { identity.name }

    /// The status as the `agents:` entry of a `master_response:` block.
    public var value: Value {
        var members: OrderedDictionary<String, Value> = [
            "name": .string(identity.name),
            "ip": .string(identity.address),
            "hostname": .string(identity.hostname),
            "role": .string(identity.role),
            "state": .string(state.rawValue),
            "last_heartbeat": .double((lastHeartbeat * 100).rounded() / 100),
            "connected": .double((connectedFor * 10).rounded() / 10),
            "pid": .int(identity.pid),
            "software": .string(identity.software),
        ]
        if let deadReason { members["dead_reason"] = .string(deadReason) }
        members["interfaces"] = .list(identity.interfaces.map(\.summaryValue))
        members["lnet"] = .string(identity.lnet)
        if !identity.aliases.isEmpty { members["aliases"] = .list(identity.aliases.map(Value.string)) }
        return .map(members)
    }
}
