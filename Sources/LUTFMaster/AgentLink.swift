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
    /// When the agent last sent a heartbeat (or registered), in the monitor's master time.
    private let lastHeard: Atomic<Int64>
    private let monitor: HeartbeatMonitor
    public let connectedAt = Monotonic.nanoseconds()

    public init(identity: AgentIdentity, channel: any Channel, masterName: String, monitor: HeartbeatMonitor) {
        self.identity = identity
        self.channel = channel
        self.rpc = RPCEndpoint(channel: channel, localName: masterName, peerName: identity.name)
        self.monitor = monitor
        self.lastHeard = Atomic(monitor.stamp())
    }

    public var name: String { identity.name }

    /// Records a heartbeat.
    public func touch() {
        lastHeard.store(monitor.stamp(), ordering: .relaxed)
    }

    /// Seconds since the last heartbeat, in master time (see ``HeartbeatMonitor``).
    public var silence: Double {
        monitor.silence(since: lastHeard.load(ordering: .relaxed))
    }

    /// Sends a message without waiting for it to be written.
    public func send(_ message: Message) {
        channel.writeAndFlush(message, promise: nil)
    }
}
