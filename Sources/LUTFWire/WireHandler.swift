import Crypto
import LUTFCore
import Logging
import NIOCore

/// The wire protocol of one TCP connection: framing, the authentication handshake, per-frame
/// MACs and the YAML codec.
///
/// Above this handler only authenticated, decoded ``Message``s flow; below it only bytes. Any
/// violation (bad magic or version, unknown type, oversized frame, bad MAC, unparsable YAML, a
/// wrong key) is logged with the peer address, answered with an ``MessageType/error`` frame and
/// ends the connection; the error is passed up so the connection's owner learns why.
public final class WireHandler: ChannelDuplexHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = Message
    public typealias OutboundIn = Message
    public typealias OutboundOut = ByteBuffer

    /// Which end of the handshake this handler plays.
    public enum Side: Sendable {
        case server
        case client
    }

    private enum State {
        case idle
        case serverAwaitingAuth(serverNonce: [UInt8])
        case clientAwaitingHello
        case clientAwaitingAuthOK(serverNonce: [UInt8], clientNonce: [UInt8])
        case established
        case closed

        var name: String {
            switch self {
            case .idle: return "before the connection was active"
            case .serverAwaitingAuth: return "while waiting for AUTH"
            case .clientAwaitingHello: return "while waiting for HELLO"
            case .clientAwaitingAuthOK: return "while waiting for AUTH_OK"
            case .established: return "after authentication"
            case .closed: return "after close"
            }
        }
    }

    private let side: Side
    private let clusterKey: SymmetricKey
    private let settings: WireSettings
    private var logger: Logger
    private var state: State = .idle
    private var sender: FrameSealer
    private var receiver: FrameSealer
    private var cumulation: ByteBuffer?
    private var queuedWrites: [(Message, EventLoopPromise<Void>?)] = []
    private var handshakeTimer: Scheduled<Void>?
    private let authenticatedPromise: EventLoopPromise<Void>
    private var authenticationSettled = false
    private var peer = "unknown peer"

    /// Succeeds when both sides have proven the cluster key; fails with the reason otherwise.
    public let authenticated: EventLoopFuture<Void>

    public init(side: Side, key: ClusterKey, settings: WireSettings, logger: Logger, eventLoop: any EventLoop) {
        self.side = side
        self.clusterKey = key.key
        self.settings = settings
        self.logger = logger
        self.authenticatedPromise = eventLoop.makePromise()
        self.authenticated = authenticatedPromise.futureResult
        self.sender = FrameSealer(
            direction: side == .server ? FrameSealer.serverDirection : FrameSealer.clientDirection)
        self.receiver = FrameSealer(
            direction: side == .server ? FrameSealer.clientDirection : FrameSealer.serverDirection)
    }

    // MARK: Lifecycle

    /// Settles ``authenticated`` once: with success, or with the first failure.
    private func settleAuthentication(_ error: (any Error)?) {
        guard !authenticationSettled else { return }
        authenticationSettled = true
        if let error { authenticatedPromise.fail(error) } else { authenticatedPromise.succeed() }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        handshakeTimer?.cancel()
        settleAuthentication(LUTFError(.io, "connection with \(peer) ended before authentication"))
    }

    public func channelActive(context: ChannelHandlerContext) {
        if let address = context.remoteAddress {
            peer = "\(address.ipAddress ?? "?"):\(address.port ?? 0)"
        }
        logger[metadataKey: "lutf.peer"] = .string(peer)
        let timeout = settings.handshakeTimeout
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        handshakeTimer = context.eventLoop.scheduleTask(in: timeout) {
            let (handler, context) = loopBound.value
            handler.fail(
                context, code: .timeout,
                reason: "handshake not completed within \((Double(timeout.nanoseconds) / 1e9).secondsText)")
        }
        switch side {
        case .server:
            let nonce = Handshake.nonce()
            state = .serverAwaitingAuth(serverNonce: nonce)
            writeFrame(
                context,
                Message(
                    .hello,
                    [
                        "hello": [
                            "protocol": .int(Int(FrameHeader.protocolVersion)), "nonce": .string(Hex.encode(nonce)),
                            "software": .string(LUTFDefaults.software),
                        ]
                    ]), promise: nil)
            context.flush()
        case .client:
            state = .clientAwaitingHello
        }
        context.fireChannelActive()
    }

    public func channelInactive(context: ChannelHandlerContext) {
        handshakeTimer?.cancel()
        settleAuthentication(LUTFError(.io, "connection with \(peer) closed during the handshake (\(state.name))"))
        state = .closed
        let error = LUTFError(.io, "connection with \(peer) closed")
        for (_, promise) in queuedWrites { promise?.fail(error) }
        queuedWrites = []
        context.fireChannelInactive()
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        settleAuthentication(error)
        context.fireErrorCaught(error)
        context.close(promise: nil)
    }

    // MARK: Inbound

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .closed = state { return }
        var incoming = unwrapInboundIn(data)
        if cumulation == nil {
            cumulation = incoming
        } else {
            cumulation!.writeBuffer(&incoming)
        }
        do {
            while true {
                if case .closed = state { break }
                guard let (header, body) = try nextFrame() else { break }
                try handle(context, header: header, body: body)
            }
        } catch let error as FrameError {
            fail(context, code: .protocolViolation, reason: error.description)
        } catch let error as LUTFError {
            fail(context, code: error.code, reason: error.message)
        } catch {
            fail(context, code: .protocolViolation, reason: "\(error)")
        }
        if let c = cumulation, c.readableBytes == 0 {
            cumulation = nil
        } else if cumulation!.readerIndex > 64 * 1024 {
            cumulation!.discardReadBytes()
        }
    }

    /// The next complete frame in the buffer (MAC verified), or `nil` if more bytes are needed.
    private func nextFrame() throws(FrameError) -> (MessageType, ByteBuffer)? {
        guard var buffer = cumulation, let header = try FrameHeader.peek(buffer) else { return nil }
        guard header.version == FrameHeader.protocolVersion else { throw .badVersion(header.version) }
        guard let type = MessageType(rawValue: header.typeCode) else { throw .unknownType(header.typeCode) }
        guard header.flags.subtracting(.known).isEmpty else { throw .unknownFlags(header.flags.rawValue) }
        let established: Bool
        if case .established = state { established = true } else { established = false }
        let limit = established ? settings.maxFrameBytes : settings.preAuthMaxFrameBytes
        guard header.length <= limit else { throw .tooLarge(header.length, limit: limit) }
        let hasMAC = header.flags.contains(.mac)
        if established && !hasMAC { throw .missingMAC(type) }
        if !established && hasMAC { throw .unexpectedMAC(type) }
        let total = FrameHeader.size + Int(header.length) + (hasMAC ? FrameHeader.macSize : 0)
        guard buffer.readableBytes >= total else { return nil }
        let framed = buffer.readSlice(length: FrameHeader.size + Int(header.length))!
        let body = framed.getSlice(at: framed.readerIndex + FrameHeader.size, length: Int(header.length))!
        if hasMAC {
            let received = buffer.readBytes(length: FrameHeader.macSize)!
            guard receiver.verify(framed, mac: received) else { throw .badMAC(type) }
        }
        cumulation = buffer
        return (type, body)
    }

    private func handle(_ context: ChannelHandlerContext, header type: MessageType, body: ByteBuffer) throws {
        let value: Value
        do {
            value = try YAMLText.decode(Array(body.readableBytesView))
        } catch {
            throw FrameError.unparsableBody(type, error.description)
        }
        switch (state, type) {
        case (.established, .hello), (.established, .auth), (.established, .authOK):
            throw FrameError.unexpected(type, state: state.name)
        case (.established, _):
            context.fireChannelRead(wrapInboundOut(Message(type, value)))
        case (_, .error):
            // Not authenticated yet: the peer has proved nothing, so its refusal is an `auth`
            // failure whatever code it claims (an agent gives up only after several in a row).
            let remote = LUTFError(value: value["error"] ?? [:])
            throw LUTFError(.auth, "\(peer) refused the connection: \(remote.message)")
        case (.serverAwaitingAuth(let serverNonce), .auth):
            guard let clientNonce = value["auth"]?["nonce"]?.stringValue.flatMap(Hex.decode),
                clientNonce.count == Handshake.nonceSize,
                let proof = value["auth"]?["proof"]?.stringValue.flatMap(Hex.decode)
            else {
                throw LUTFError(.auth, "malformed AUTH frame (expected auth: {nonce, proof})")
            }
            let expected = Handshake.clientProof(key: clusterKey, serverNonce: serverNonce, clientNonce: clientNonce)
            guard Handshake.equal(proof, expected) else {
                throw LUTFError(.auth, "authentication failed: the peer does not hold this cluster's key")
            }
            let serverProof = Handshake.serverProof(key: clusterKey, serverNonce: serverNonce, clientNonce: clientNonce)
            writeFrame(
                context, Message(.authOK, ["auth_ok": ["proof": .string(Hex.encode(serverProof))]]), promise: nil)
            establish(context, serverNonce: serverNonce, clientNonce: clientNonce)
        case (.clientAwaitingHello, .hello):
            guard let serverNonce = value["hello"]?["nonce"]?.stringValue.flatMap(Hex.decode),
                serverNonce.count == Handshake.nonceSize
            else {
                throw LUTFError(.auth, "malformed HELLO frame (expected hello: {protocol, nonce})")
            }
            let clientNonce = Handshake.nonce()
            let proof = Handshake.clientProof(key: clusterKey, serverNonce: serverNonce, clientNonce: clientNonce)
            state = .clientAwaitingAuthOK(serverNonce: serverNonce, clientNonce: clientNonce)
            writeFrame(
                context,
                Message(
                    .auth, ["auth": ["nonce": .string(Hex.encode(clientNonce)), "proof": .string(Hex.encode(proof))]]),
                promise: nil)
            context.flush()
        case (.clientAwaitingAuthOK(let serverNonce, let clientNonce), .authOK):
            let expected = Handshake.serverProof(key: clusterKey, serverNonce: serverNonce, clientNonce: clientNonce)
            guard let proof = value["auth_ok"]?["proof"]?.stringValue.flatMap(Hex.decode),
                Handshake.equal(proof, expected)
            else {
                throw LUTFError(
                    .auth, "\(peer) failed to prove it holds the cluster key (is it using a different key file?)")
            }
            establish(context, serverNonce: serverNonce, clientNonce: clientNonce)
        default:
            throw FrameError.unexpected(type, state: state.name)
        }
    }

    private func establish(_ context: ChannelHandlerContext, serverNonce: [UInt8], clientNonce: [UInt8]) {
        let sessionKey = Handshake.sessionKey(key: clusterKey, serverNonce: serverNonce, clientNonce: clientNonce)
        sender.sessionKey = sessionKey
        receiver.sessionKey = sessionKey
        state = .established
        handshakeTimer?.cancel()
        handshakeTimer = nil
        logger.debug("authenticated")
        let queued = queuedWrites
        queuedWrites = []
        for (message, promise) in queued { writeFrame(context, message, promise: promise) }
        context.flush()
        settleAuthentication(nil)
    }

    // MARK: Outbound

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let message = unwrapOutboundIn(data)
        switch state {
        case .established:
            writeFrame(context, message, promise: promise)
        case .closed:
            promise?.fail(LUTFError(.io, "connection with \(peer) is closed"))
        default:
            queuedWrites.append((message, promise))
        }
    }

    private func writeFrame(_ context: ChannelHandlerContext, _ message: Message, promise: EventLoopPromise<Void>?) {
        let body = JSONText.encode(message.body)
        // The peer would refuse it and drop the connection (and everything in flight on it):
        // fail just this message, with the reason.
        if case .established = state, body.count > settings.maxFrameBytes {
            promise?.fail(
                LUTFError(
                    .usage,
                    "a \(message.type) of \(body.count) bytes is over the \(settings.maxFrameBytes)-byte frame limit (max_frame)"
                ))
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: FrameHeader.size + body.count + FrameHeader.macSize)
        sender.seal(typeCode: message.type.rawValue, body: body, into: &buffer)
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    // MARK: Failure

    /// Logs `reason`, tells the peer, closes, and passes the error up.
    private func fail(_ context: ChannelHandlerContext, code: LUTFError.Code, reason: String) {
        if case .closed = state { return }
        let error = LUTFError(code, reason, details: ["peer": .string(peer)])
        switch side {
        case .server: logger.warning("closing connection from \(peer): \(reason)")
        case .client: logger.warning("closing connection to \(peer): \(reason)")
        }
        writeFrame(context, .error(LUTFError(code, reason)), promise: nil)
        context.flush()
        state = .closed
        handshakeTimer?.cancel()
        settleAuthentication(error)
        context.fireErrorCaught(error)
        context.close(promise: nil)
    }
}
