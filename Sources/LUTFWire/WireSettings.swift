import LUTFCore
import NIOCore

/// Limits and timeouts of a wire connection.
public struct WireSettings: Sendable {
    /// The largest frame body accepted after authentication, in bytes.
    public var maxFrameBytes: Int = LUTFDefaults.maxFrameBytes
    /// The largest frame body accepted before authentication: handshake frames are small, so an
    /// unauthenticated peer cannot make us buffer much.
    public var preAuthMaxFrameBytes: Int = 64 * 1024
    /// How long a peer has to complete the handshake.
    public var handshakeTimeout: TimeAmount = .seconds(10)

    public init() {}
}
