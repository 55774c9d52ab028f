import Crypto
import LUTFCore
import LUTFTesting
import LUTFWire
import NIOCore
import NIOEmbedded
import Testing

/// The wire's handlers and decoder in `EmbeddedChannel`s: bytes in, frames and messages out,
/// with every split of the input a TCP stream may deliver, and time that moves only when told.
@Suite("framing and handshake, byte by byte", .timeLimit(.minutes(1)))
struct EmbeddedWireTests {
    static let bodies: [Value] = [
        ["hello": ["protocol": 1, "nonce": "00ff"]], ["register": ["kind": "agent", "name": "oss1"]],
        ["rpc": ["id": 7, "args": [.string(String(repeating: "x", count: 300)), 2.5, .null]]],
    ]

    /// `bytes` written into `channel` as two reads cut at `cut` (clamped to the length).
    static func deliver(_ bytes: ByteBuffer, to channel: EmbeddedChannel, cutAt cut: Int) throws {
        let at = min(cut, bytes.readableBytes)
        if at > 0 { try channel.writeInbound(bytes.getSlice(at: bytes.readerIndex, length: at)!) }
        if at < bytes.readableBytes {
            try channel.writeInbound(bytes.getSlice(at: bytes.readerIndex + at, length: bytes.readableBytes - at)!)
        }
    }

    /// Like ``deliver(_:to:cutAt:)`` for input that breaks the protocol: the errors the handler
    /// passed up the pipeline (the embedded channel rethrows them) instead of a throw.
    static func deliverBroken(_ bytes: ByteBuffer, to channel: EmbeddedChannel, cutAt cut: Int) -> [any Error] {
        let at = min(cut, bytes.readableBytes)
        var errors: [any Error] = []
        for (start, length) in [(0, at), (at, bytes.readableBytes - at)] where length > 0 && channel.isActive {
            do {
                try channel.writeInbound(bytes.getSlice(at: bytes.readerIndex + start, length: length)!)
            } catch {
                errors.append(error)
            }
        }
        return errors
    }

    /// Everything `channel` has written so far, as one buffer.
    static func written(_ channel: EmbeddedChannel) throws -> ByteBuffer {
        var all = ByteBuffer()
        while var chunk = try channel.readOutbound(as: ByteBuffer.self) { all.writeBuffer(&chunk) }
        return all
    }

    static func frames(_ channel: EmbeddedChannel) throws -> [Frame] {
        var list: [Frame] = []
        while let frame = try channel.readInbound(as: Frame.self) { list.append(frame) }
        return list
    }

    @Test("the decoder yields the same frames whatever way the stream is cut, and byte by byte")
    func everySplit() throws {
        var sealer = FrameSealer(direction: FrameSealer.serverDirection)
        var stream = ByteBuffer()
        for body in Self.bodies {
            sealer.seal(typeCode: MessageType.event.rawValue, body: JSONText.encode(body), into: &stream)
        }
        let expected = Self.bodies.map { Frame(type: .event, body: ByteBuffer(bytes: JSONText.encode($0))) }
        for cut in 0...stream.readableBytes {
            let channel = EmbeddedChannel(
                handler: ByteToMessageHandler(FrameDecoder(receivingAs: .client, settings: WireSettings())))
            try Self.deliver(stream, to: channel, cutAt: cut)
            #expect(try Self.frames(channel) == expected, "cut at \(cut)")
            #expect(try channel.finish().isClean)
        }
        let channel = EmbeddedChannel(
            handler: ByteToMessageHandler(FrameDecoder(receivingAs: .client, settings: WireSettings())))
        var got: [Frame] = []
        for i in 0..<stream.readableBytes {
            try channel.writeInbound(stream.getSlice(at: i, length: 1)!)
            got += try Self.frames(channel)
        }
        #expect(got == expected)
    }

    @Test("sealed frames verify in order on every split; a replayed or reordered one does not")
    func sealedFrames() throws {
        let key = SymmetricKey(size: .bits256)
        var sealer = FrameSealer(direction: FrameSealer.clientDirection)
        sealer.sessionKey = key
        let sealed = Self.bodies.map {
            ByteBuffer(bytes: sealer.seal(typeCode: MessageType.rpcRequest.rawValue, body: JSONText.encode($0)))
        }
        var stream = ByteBuffer()
        for var frame in sealed { stream.writeBuffer(&frame) }
        for cut in stride(from: 0, through: stream.readableBytes, by: 7) {
            var decoder = FrameDecoder(receivingAs: .server, settings: WireSettings())
            decoder.establish(sessionKey: key)
            var buffer = stream.getSlice(at: 0, length: min(cut, stream.readableBytes))!
            var frames: [Frame] = []
            while let frame = try decoder.decode(buffer: &buffer) { frames.append(frame) }
            var rest = stream.getSlice(
                at: min(cut, stream.readableBytes), length: stream.readableBytes - min(cut, stream.readableBytes))!
            buffer.writeBuffer(&rest)
            while let frame = try decoder.decode(buffer: &buffer) { frames.append(frame) }
            #expect(frames.count == 3 && buffer.readableBytes == 0, "cut at \(cut)")
        }
        var replaying = FrameDecoder(receivingAs: .server, settings: WireSettings())
        replaying.establish(sessionKey: key)
        var first = sealed[0]
        #expect(try replaying.decode(buffer: &first) != nil)
        var again = sealed[0]
        #expect(throws: FrameError.badMAC(.rpcRequest), "replayed") { try replaying.decode(buffer: &again) }
        var reordering = FrameDecoder(receivingAs: .server, settings: WireSettings())
        reordering.establish(sessionKey: key)
        var second = sealed[1]
        #expect(throws: FrameError.badMAC(.rpcRequest), "reordered") { try reordering.decode(buffer: &second) }
    }

    @Test("before the handshake a frame header claiming more than the small limit is refused at once")
    func preAuthLimit() throws {
        var decoder = FrameDecoder(receivingAs: .server, settings: WireSettings())
        var header = ByteBuffer(
            bytes: FrameHeader(version: 1, typeCode: MessageType.auth.rawValue, flags: [], length: 1 << 20).bytes)
        #expect(throws: FrameError.tooLarge(1 << 20, limit: 64 * 1024)) { try decoder.decode(buffer: &header) }
        var macced = ByteBuffer(
            bytes: FrameHeader(version: 1, typeCode: MessageType.auth.rawValue, flags: .mac, length: 10).bytes)
        #expect(throws: FrameError.unexpectedMAC(.auth)) { try decoder.decode(buffer: &macced) }
    }

    /// A server and a client `WireHandler`, each in its own embedded channel on one loop.
    struct Pair {
        let loop = EmbeddedEventLoop()
        let server: EmbeddedChannel
        let client: EmbeddedChannel
        let serverAuthenticated: EventLoopFuture<Void>
        let clientAuthenticated: EventLoopFuture<Void>

        init(key: ClusterKey = ClusterKey.generate(), clientKey: ClusterKey? = nil) throws {
            let serverHandler = WireHandler(
                side: .server, key: key, settings: WireSettings(), logger: TestCluster.quietLogger, eventLoop: loop)
            let clientHandler = WireHandler(
                side: .client, key: clientKey ?? key, settings: WireSettings(), logger: TestCluster.quietLogger,
                eventLoop: loop)
            server = EmbeddedChannel(handler: serverHandler, loop: loop)
            client = EmbeddedChannel(handler: clientHandler, loop: loop)
            serverAuthenticated = serverHandler.authenticated
            clientAuthenticated = clientHandler.authenticated
            let address = try SocketAddress(ipAddress: "127.0.0.1", port: 1)
            try server.connect(to: address).wait()
            try client.connect(to: address).wait()
        }

        /// Moves every byte written on each side to the other, each batch cut at `cut`, until
        /// neither has anything more to say.
        func pump(cutAt cut: Int) throws {
            while true {
                let toClient = try EmbeddedWireTests.written(server)
                let toServer = try EmbeddedWireTests.written(client)
                if toClient.readableBytes == 0 && toServer.readableBytes == 0 { return }
                try EmbeddedWireTests.deliver(toClient, to: client, cutAt: cut)
                try EmbeddedWireTests.deliver(toServer, to: server, cutAt: cut)
            }
        }
    }

    @Test("the handshake and the first messages arrive whole on every split of every frame batch")
    func handshakeEverySplit() throws {
        let messages = Self.bodies.map { Message(.event, $0) }
        // The longest batch (the sealed messages) is under 700 bytes: every cut up to it.
        for cut in 0...700 {
            let pair = try Pair()
            for message in messages { pair.client.write(message, promise: nil) }
            pair.client.flush()
            try pair.pump(cutAt: cut)
            try pair.serverAuthenticated.wait()
            try pair.clientAuthenticated.wait()
            var received: [Message] = []
            while let message = try pair.server.readInbound(as: Message.self) { received.append(message) }
            #expect(received == messages, "cut at \(cut)")
            pair.server.writeAndFlush(Message(.event, ["back": 1]), promise: nil)
            try pair.pump(cutAt: cut)
            #expect(try pair.client.readInbound(as: Message.self) == Message(.event, ["back": 1]), "cut at \(cut)")
        }
    }

    @Test("a peer that never completes the handshake is told why and closed when its time is up")
    func handshakeTimeout() throws {
        let pair = try Pair()
        _ = try Self.written(pair.server)  // HELLO, which the client never sees
        pair.loop.advanceTime(by: .seconds(9))
        #expect(pair.server.isActive, "closed before the handshake timeout")
        pair.loop.advanceTime(by: .seconds(2))
        #expect(!pair.server.isActive)
        var reply = try Self.written(pair.server)
        var decoder = FrameDecoder(receivingAs: .client, settings: WireSettings())
        let frame = try #require(try decoder.decode(buffer: &reply))
        #expect(frame.type == .error)
        #expect(String(buffer: frame.body).contains("handshake not completed within 10"))
        #expect(throws: LUTFError.self) { try pair.serverAuthenticated.wait() }
    }

    @Test("a client with another key fails on both sides, each saying why")
    func wrongKey() throws {
        let pair = try Pair(key: ClusterKey.generate(), clientKey: ClusterKey.generate())
        #expect(throws: LUTFError.self) { try pair.pump(cutAt: 5) }
        try? pair.pump(cutAt: 5)
        #expect(!pair.server.isActive)
        #expect(!pair.client.isActive)
        #expect {
            try pair.serverAuthenticated.wait()
        } throws: { ($0 as? LUTFError)?.message.contains("does not hold this cluster's key") == true }
        #expect {
            try pair.clientAuthenticated.wait()
        } throws: { ($0 as? LUTFError)?.code == .auth }
    }

    @Test("garbage on the port gets an ERROR frame and a close, whatever way it is cut")
    func garbage() throws {
        let http = ByteBuffer(string: "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        for cut in 0...http.readableBytes {
            let pair = try Pair()
            _ = try Self.written(pair.server)
            let errors = Self.deliverBroken(http, to: pair.server, cutAt: cut)
            #expect(errors.map { "\($0)" } == ["bad magic 0x47455420 (not a LUTF peer?)"], "cut at \(cut)")
            #expect(!pair.server.isActive, "cut at \(cut)")
            var reply = try Self.written(pair.server)
            var decoder = FrameDecoder(receivingAs: .client, settings: WireSettings())
            let frame = try decoder.decode(buffer: &reply)
            #expect(frame?.type == .error, "cut at \(cut)")
            #expect(frame.map { String(buffer: $0.body).contains("bad magic") } == true, "cut at \(cut)")
        }
    }
}
