import LUTFCore
import LUTFWire
import NIOCore

/// The master's handle on one connected agent: its identity, its connection, its calls in flight
/// and when it was last heard.
public final class AgentLink: Sendable {
    public let identity: AgentIdentity
    public let channel: any Channel
    public let rpc: RPCEndpoint
    /// When the agent last sent a heartbeat (or registered).
    private let lastHeard = LastHeard()
    public let connectedAt = Monotonic.nanoseconds()

    public init(identity: AgentIdentity, channel: any Channel, masterName: String) {
        self.identity = identity
        self.channel = channel
        self.rpc = RPCEndpoint(channel: channel, localName: masterName, peerName: identity.name)
    }

    public var name: String { identity.name }

    /// Records a heartbeat.
    public func touch() {
        lastHeard.touch()
    }

    /// Seconds since the last heartbeat.
    public var silence: Double {
        lastHeard.silence
    }

    /// Sends a message without waiting for it to be written.
    public func send(_ message: Message) {
        channel.writeAndFlush(message, promise: nil)
    }
}
