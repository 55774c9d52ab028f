import LUTFCore
import Logging
import NIOCore
import NIOPosix
import Synchronization

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
                .detectingDeadPeers()
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
    /// An accepted connection: its channel, a future that completes when the peer has
    /// authenticated, and when bytes last came in from the peer.
    public struct Connection: Sendable {
        public let channel: WireChannel
        public let authenticated: EventLoopFuture<Void>
        public let lastRead: InboundActivity
    }

    /// A listening socket and the connections it accepts.
    public typealias Listener = NIOAsyncChannel<Connection, Never>

    /// Binds `address` (port 0 picks a free port).
    ///
    /// - Parameter stamp: the clock each connection's ``Connection/lastRead`` is stamped with.
    public static func bind(
        _ address: HostPort, key: ClusterKey, settings: WireSettings = WireSettings(), logger: Logger,
        stamp: @escaping @Sendable () -> Int64 = Monotonic.nanoseconds
    ) async throws -> Listener {
        do {
            return try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelOption(.backlog, value: 1024)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .bind(host: address.host, port: address.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let lastRead = InboundActivity(stamp: stamp)
                        let handler = WireHandler(
                            side: .server, key: key, settings: settings, logger: logger, eventLoop: channel.eventLoop,
                            lastRead: lastRead)
                        try channel.pipeline.syncOperations.addHandler(handler)
                        return Connection(
                            channel: try WireChannel(wrappingChannelSynchronously: channel),
                            authenticated: handler.authenticated, lastRead: lastRead)
                    }
                }
        } catch {
            throw LUTFError(.io, "cannot listen on \(address): \(WireClient.describe(error))")
        }
    }
}

/// When a connection last brought bytes in, by its owner's clock.
///
/// Stamped on the event loop as bytes arrive, before they are put together into frames: a peer
/// whose frames wait behind a large one still being checked and decoded has been heard.
public final class InboundActivity: Sendable {
    private let stamp: @Sendable () -> Int64
    private let latest: Atomic<Int64>

    public init(stamp: @escaping @Sendable () -> Int64 = Monotonic.nanoseconds) {
        self.stamp = stamp
        self.latest = Atomic(stamp())
    }

    /// Bytes came in now.
    public func note() { latest.store(stamp(), ordering: .relaxed) }

    /// The clock's reading when bytes last came in (or when the connection was accepted).
    public var last: Int64 { latest.load(ordering: .relaxed) }
}

extension ClientBootstrap {
    /// How a client finds out that its peer's host is gone, as opposed to its peer being slow.
    ///
    /// A peer process that is paused or busy (SIGSTOP, a huge value, a loaded machine) still has a
    /// kernel that acknowledges our segments, so its silence says nothing about the connection;
    /// a host that vanished (power, network) acknowledges nothing. So liveness of the connection
    /// is the kernel's judgement: keepalive probes after 5 s idle, every 2 s, 3 tries, and data
    /// unacknowledged for 20 s (`TCP_USER_TIMEOUT`) fail the connection.
    func detectingDeadPeers() -> ClientBootstrap {
        let bootstrap = channelOption(.socketOption(.so_keepalive), value: 1)
        #if os(Linux)
            typealias Option = ChannelOptions.Types.SocketOption
            let tcp = SocketOptionLevel(IPPROTO_TCP)
            let userTimeout = SocketOptionName(18)  // TCP_USER_TIMEOUT, which Glibc does not export
            return
                bootstrap
                .channelOption(Option(level: tcp, name: SocketOptionName(TCP_KEEPIDLE)), value: 5)
                .channelOption(Option(level: tcp, name: SocketOptionName(TCP_KEEPINTVL)), value: 2)
                .channelOption(Option(level: tcp, name: SocketOptionName(TCP_KEEPCNT)), value: 3)
                .channelOption(Option(level: tcp, name: userTimeout), value: 20_000)
        #else
            return bootstrap
        #endif
    }
}
