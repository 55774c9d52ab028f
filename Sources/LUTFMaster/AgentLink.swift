import LUTFCore
import LUTFWire
import NIOCore
import Synchronization

/// The master's handle on one connected agent: its identity, its connection, its calls in flight
/// and when it was last heard.
public final class AgentLink: Sendable {
    public let identity: AgentIdentity
    public let channel: any Channel
    public let rpc: RPCEndpoint
    /// When bytes last came in from the agent, in the monitor's master time: heartbeats, or the
    /// pieces of a large frame, or frames waiting behind one that is still being decoded.
    public let lastRead: InboundActivity
    private let monitor: HeartbeatMonitor
    public let connectedAt = Monotonic.nanoseconds()

    public init(
        identity: AgentIdentity, channel: any Channel, masterName: String, maxFrameBytes: Int,
        monitor: HeartbeatMonitor, lastRead: InboundActivity
    ) {
        self.identity = identity
        self.channel = channel
        self.rpc = RPCEndpoint(
            channel: channel, localName: masterName, peerName: identity.name, maxFrameBytes: maxFrameBytes)
        self.monitor = monitor
        self.lastRead = lastRead
    }

    public var name: String { identity.name }

    /// When the last heartbeat arrived, and the longest real time between two (nanoseconds).
    private let lastArrival = Atomic<Int64>(0)
    private let longestGap = Atomic<Int64>(0)

    /// Records a heartbeat (for ``takeLongestHeartbeatGap()``; liveness counts every byte).
    public func touch() {
        let now = Monotonic.nanoseconds()
        let previous = lastArrival.exchange(now, ordering: .relaxed)
        if previous > 0 { longestGap.max(now - previous, ordering: .relaxed) }
    }

    /// The longest real time between two heartbeats since the last call, in seconds: the
    /// agent's interval plus the worst delay on the way, the master's own included.
    public func takeLongestHeartbeatGap() -> Double {
        Double(longestGap.exchange(0, ordering: .relaxed)) / 1e9
    }

    /// Seconds since the agent was last heard, in master time (see ``HeartbeatMonitor``).
    public var silence: Double {
        monitor.silence(since: lastRead.last)
    }

    /// Sends a message without waiting for it to be written.
    public func send(_ message: Message) {
        channel.writeAndFlush(message, promise: nil)
    }
}
