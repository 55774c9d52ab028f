import LUTFCore
import LUTFWire
import NIOCore
import NIOPosix
import Synchronization

/// A plain TCP connection for feeding a LUTF port exactly the bytes a test wants (garbage,
/// malformed frames, replayed handshakes) and reading what comes back.
public final class RawConnection: Sendable {
    private let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
    private let received: ReceivedBytes

    private init(channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>, received: ReceivedBytes) {
        self.channel = channel
        self.received = received
    }

    /// Connects and starts collecting everything the peer sends; `body` runs while connected.
    public static func with<T: Sendable>(
        _ address: HostPort, _ body: @Sendable (RawConnection) async throws -> T
    ) async throws -> T {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: address.host, port: address.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let received = ReceivedBytes()
        return try await channel.executeThenClose { inbound, _ in
            try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask {
                    do {
                        for try await chunk in inbound { received.append(Array(chunk.readableBytesView)) }
                    } catch {}
                    received.close()
                    return nil
                }
                let result = try await body(RawConnection(channel: channel, received: received))
                group.cancelAll()
                return result
            }
        }
    }

    /// Sends `bytes` (errors are ignored: the peer may already have closed).
    public func send(_ bytes: [UInt8]) async {
        try? await channel.channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    /// Waits until the peer has closed the connection; returns whether it did within `seconds`.
    public func waitForClose(within seconds: Double) async -> Bool {
        (try? await TestSupport.waitUntil("peer to close", within: seconds) { received.isClosed }) != nil
    }

    /// Reads the next whole frame (header, body, MAC) from what was received, consuming it.
    public func nextFrame(within seconds: Double) async throws -> (header: FrameHeader, body: Value, mac: [UInt8]) {
        var result: (FrameHeader, Value, [UInt8])?
        try await TestSupport.waitUntil("a frame from the peer", within: seconds) {
            result = try received.takeFrame()
            if result == nil && received.isClosed { throw LUTFError(.io, "peer closed before sending a frame") }
            return result != nil
        }
        return result!
    }
}

/// Bytes received on a ``RawConnection``.
final class ReceivedBytes: Sendable {
    private let state = Mutex<(bytes: [UInt8], consumed: Int, closed: Bool)>(([], 0, false))

    func append(_ more: [UInt8]) { state.withLock { $0.bytes += more } }
    func close() { state.withLock { $0.closed = true } }
    var isClosed: Bool { state.withLock { $0.closed } }
    var bytes: [UInt8] { state.withLock { $0.bytes } }

    func takeFrame() throws -> (FrameHeader, Value, [UInt8])? {
        try state.withLock { state in
            let available = Array(state.bytes[state.consumed...])
            let buffer = ByteBuffer(bytes: available)
            guard let header = try FrameHeader.peek(buffer) else { return nil }
            let macLength = header.flags.contains(.mac) ? FrameHeader.macSize : 0
            let total = FrameHeader.size + Int(header.length) + macLength
            guard available.count >= total else { return nil }
            let body = Array(available[FrameHeader.size..<(FrameHeader.size + Int(header.length))])
            let mac = Array(available[(total - macLength)..<total])
            state.consumed += total
            return (header, try YAMLText.decode(body), mac)
        }
    }
}
