import LUTFCore
import Logging
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// An authenticated connection as an async channel of ``Message``s.
public typealias WireChannel = NIOAsyncChannel<Message, Message>

/// Opening authenticated connections.
public enum WireClient {
    /// Connects to `address`, completes the handshake, and returns the channel.
    ///
    /// - Throws: ``LUTFError`` `io` when the connection cannot be made, `auth` when the peer
    ///   refuses our key or fails to prove its own, `timeout` when the handshake stalls.
    public static func connect(
        to address: HostPort, key: ClusterKey, settings: WireSettings = WireSettings(), logger: Logger
    ) async throws -> WireChannel {
        let connected: (WireChannel, EventLoopFuture<Void>)
        do {
            connected = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(5))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(host: address.host, port: address.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let handler = WireHandler(
                            side: .client, key: key, settings: settings, logger: logger, eventLoop: channel.eventLoop)
                        try channel.pipeline.syncOperations.addHandler(handler)
                        return (try WireChannel(wrappingChannelSynchronously: channel), handler.authenticated)
                    }
                }
        } catch {
            throw LUTFError(.io, "cannot connect to \(address): \(describe(error))")
        }
        do {
            try await connected.1.get()
        } catch {
            try? await connected.0.channel.close()
            throw error
        }
        return connected.0
    }

    /// A short reason for a connection error (`Connection refused`, not a type dump).
    public static func describe(_ error: any Error) -> String {
        if let error = error as? LUTFError { return error.message }
        if let error = error as? IOError { return String(cString: strerror(error.errnoCode)) }
        if let error = error as? NIOConnectionError {
            if let first = error.connectionErrors.first { return describe(first.error) }
            if let dns = error.dnsAError ?? error.dnsAAAAError { return "cannot resolve host (\(dns))" }
            return "connection failed"
        }
        if error is ChannelError, case ChannelError.connectTimeout = error { return "connection timed out" }
        return "\(error)"
    }
}

/// Listening for authenticated connections.
public enum WireServer {
    /// A listening socket whose accepted connections come with a future that completes when the
    /// peer has authenticated.
    public typealias Listener = NIOAsyncChannel<(WireChannel, EventLoopFuture<Void>), Never>

    /// Binds `address` (port 0 picks a free port).
    public static func bind(
        _ address: HostPort, key: ClusterKey, settings: WireSettings = WireSettings(), logger: Logger
    ) async throws -> Listener {
        do {
            return try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelOption(.backlog, value: 1024)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .bind(host: address.host, port: address.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let handler = WireHandler(
                            side: .server, key: key, settings: settings, logger: logger, eventLoop: channel.eventLoop)
                        try channel.pipeline.syncOperations.addHandler(handler)
                        return (try WireChannel(wrappingChannelSynchronously: channel), handler.authenticated)
                    }
                }
        } catch {
            throw LUTFError(.io, "cannot listen on \(address): \(WireClient.describe(error))")
        }
    }
}
