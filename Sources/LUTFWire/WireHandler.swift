import Crypto
import LUTFCore
import Logging
import NIOCore
import NIOPosix

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

    private let side: Side
    private let settings: WireSettings
    private var logger: Logger
    private var handshake: HandshakeMachine
    private var decoder: FrameDecoder
    private var sender: FrameSealer
    private var closed = false
    private var cumulation: ByteBuffer?
    private var queuedWrites: [(Message, EventLoopPromise<Void>?)] = []
    private var handshakeTimer: Scheduled<Void>?
    private let authenticatedPromise: EventLoopPromise<Void>
    private var authenticationSettled = false
    private var peer = "unknown peer"

    private var stateName: String { closed ? "after close" : handshake.state.name }

    /// Succeeds when both sides have proven the cluster key; fails with the reason otherwise.
    public let authenticated: EventLoopFuture<Void>

    /// Stamped whenever bytes come in.
    private let lastRead: InboundActivity?

    public init(
        side: Side, key: ClusterKey, settings: WireSettings, logger: Logger, eventLoop: any EventLoop,
        lastRead: InboundActivity? = nil
    ) {
        self.side = side
        self.lastRead = lastRead
        self.settings = settings
        self.logger = logger
        self.authenticatedPromise = eventLoop.makePromise()
        self.authenticated = authenticatedPromise.futureResult
        self.handshake = HandshakeMachine(side: side, clusterKey: key.key)
        self.decoder = FrameDecoder(receivingAs: side, settings: settings)
        decoder.deferredCheckBytes = Self.offloadBytes
        self.sender = FrameSealer(
            direction: side == .server ? FrameSealer.serverDirection : FrameSealer.clientDirection)
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
        if let hello = handshake.start() {
            writeFrame(context, hello, promise: nil)
            context.flush()
        }
        context.fireChannelActive()
    }

    public func channelInactive(context: ChannelHandlerContext) {
        handshakeTimer?.cancel()
        settleAuthentication(LUTFError(.io, "connection with \(peer) closed during the handshake (\(stateName))"))
        closed = true
        let error = LUTFError(.io, "connection with \(peer) closed")
        for (_, promise) in queuedWrites { promise?.fail(error) }
        queuedWrites = []
        for write in sealing { write.promise?.fail(error) }
        sealing = []
        context.fireChannelInactive()
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        settleAuthentication(error)
        context.fireErrorCaught(error)
        context.close(promise: nil)
    }

    // MARK: Inbound

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if closed { return }
        lastRead?.note()
        var incoming = unwrapInboundIn(data)
        if cumulation == nil {
            cumulation = incoming
        } else {
            cumulation!.writeBuffer(&incoming)
        }
        decodeFrames(context)
    }

    /// Bodies this large have their MAC checked and are decoded on NIO's thread pool: the event
    /// loop, shared with other connections, would otherwise stop for tens of milliseconds on a
    /// 16 MiB value.
    static let offloadBytes = 256 << 10

    /// A large body is being decoded off the loop; the frames after it wait, in order.
    private var decodingOffLoop = false

    /// Takes whole frames out of the cumulated bytes and handles them, until the bytes run out or
    /// a large body goes off the loop (its completion resumes here).
    private func decodeFrames(_ context: ChannelHandlerContext) {
        guard cumulation != nil else { return }
        do {
            while !closed, !decodingOffLoop, let frame = try decoder.decode(buffer: &cumulation!) {
                // The decoder leaves the MAC check of large frames to us (deferredCheckBytes).
                if let check = frame.pendingCheck {
                    decodeOffLoop(context, frame, check)
                } else {
                    try handle(context, frame.type, try Self.decodeBody(frame))
                }
            }
        } catch {
            fail(context, error)
        }
        if let c = cumulation, c.readableBytes == 0 {
            cumulation = nil
        } else if let c = cumulation, c.readerIndex > 64 * 1024 {
            cumulation!.discardReadBytes()
        }
    }

    private static func decodeBody(_ frame: Frame) throws(FrameError) -> Value {
        do {
            // A remote call's result only passes through the master, to the test's script: a
            // large one stays JSON text (``Value/json(_:)``), not a tree of nodes.
            let deferred = frame.type == .rpcResponse ? RPC.resultPath : []
            // JSON (what LUTF sends) straight from the frame's buffer; anything else as YAML.
            if let value = frame.body.withUnsafeReadableBytes({ try? JSONText.decode($0, deferring: deferred) }) {
                return value
            }
            return try YAMLText.decode(Array(frame.body.readableBytesView))
        } catch {
            throw FrameError.unparsableBody(frame.type, error.description)
        }
    }

    private func decodeOffLoop(_ context: ChannelHandlerContext, _ frame: Frame, _ check: MACCheck) {
        decodingOffLoop = true
        context.offLoop {
            try check.verify()
            return try Self.decodeBody(frame)
        } then: { [self] result in
            decodingOffLoop = false
            if closed { return }
            do {
                try handle(context, frame.type, try result.get())
            } catch {
                fail(context, error)
                return
            }
            // The frames that waited behind it, then (outside a read from the socket) the
            // read-complete on which the async channel passes them on.
            decodeFrames(context)
            context.fireChannelReadComplete()
        }
    }

    private func fail(_ context: ChannelHandlerContext, _ error: any Error) {
        switch error {
        case let error as FrameError: fail(context, code: .protocolViolation, reason: error.description)
        case let error as LUTFError: fail(context, code: error.code, reason: error.message)
        default: fail(context, code: .protocolViolation, reason: "\(error)")
        }
    }

    private func handle(_ context: ChannelHandlerContext, _ type: MessageType, _ value: Value) throws {
        switch try handshake.receive(type, value, from: peer) {
        case .deliver:
            context.fireChannelRead(wrapInboundOut(Message(type, value)))
        case .send(let message):
            writeFrame(context, message, promise: nil)
            context.flush()
        case .establish(let sessionKey, let reply):
            if let reply { writeFrame(context, reply, promise: nil) }
            establish(context, sessionKey: sessionKey)
        }
    }

    private func establish(_ context: ChannelHandlerContext, sessionKey: SymmetricKey) {
        sender.sessionKey = sessionKey
        decoder.establish(sessionKey: sessionKey)
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
        if closed {
            promise?.fail(LUTFError(.io, "connection with \(peer) is closed"))
        } else if handshake.isEstablished {
            writeFrame(context, message, promise: promise)
        } else {
            queuedWrites.append((message, promise))
        }
    }

    private func writeFrame(_ context: ChannelHandlerContext, _ message: Message, promise: EventLoopPromise<Void>?) {
        // Over the limit, the peer would refuse the frame and drop the connection (and everything
        // in flight on it): fail just this message, with the reason.
        let limit = settings.maxFrameBytes
        guard let body = message.json ?? (try? JSONText.encode(message.body, limit: limit)), body.count <= limit
        else {
            promise?.fail(Message.tooLarge(message.type, limit: limit))
            return
        }
        let reservation = sender.reserve()
        let (type, allocator) = (message.type.rawValue, context.channel.allocator)
        @Sendable func sealed() -> ByteBuffer {
            var buffer = allocator.buffer(capacity: FrameHeader.size + body.count + FrameHeader.macSize)
            reservation.seal(typeCode: type, body: body, into: &buffer)
            return buffer
        }
        if body.count < Self.offloadBytes, sealing.isEmpty {
            context.write(wrapOutboundOut(sealed()), promise: promise)
            return
        }
        // Large, or behind a large one: frames leave in the order of their sequence numbers.
        let write = PendingWrite(promise: promise)
        sealing.append(write)
        if body.count < Self.offloadBytes {
            write.buffer = sealed()
            return
        }
        context.offLoop(sealed) { [self] result in
            switch result {
            case .success(let buffer): write.buffer = buffer
            case .failure(let error): write.failure = error
            }
            writeSealed(context)
        }
    }

    /// A frame sealed off the loop or waiting behind one.
    private final class PendingWrite {
        let promise: EventLoopPromise<Void>?
        var buffer: ByteBuffer?
        var failure: (any Error)?
        init(promise: EventLoopPromise<Void>?) { self.promise = promise }
    }

    private var sealing: [PendingWrite] = []
    /// A flush came while frames were still being sealed: flush again once they are written.
    private var flushPending = false
    /// The connection failed while frames were being sealed: close once they are written.
    private var closeWhenSealed = false

    /// Writes the sealed frames at the head of the queue, in order.
    private func writeSealed(_ context: ChannelHandlerContext) {
        var wrote = false
        while let first = sealing.first, first.buffer != nil || first.failure != nil {
            sealing.removeFirst()
            if let buffer = first.buffer {
                context.write(wrapOutboundOut(buffer), promise: first.promise)
                wrote = true
            } else {
                first.promise?.fail(first.failure!)
            }
        }
        if wrote, flushPending {
            context.flush()
            flushPending = !sealing.isEmpty
        }
        if closeWhenSealed, sealing.isEmpty {
            context.flush()
            context.close(promise: nil)
        }
    }

    public func flush(context: ChannelHandlerContext) {
        if !sealing.isEmpty { flushPending = true }
        context.flush()
    }

    // MARK: Failure

    /// Logs `reason`, tells the peer, closes, and passes the error up.
    private func fail(_ context: ChannelHandlerContext, code: LUTFError.Code, reason: String) {
        if closed { return }
        // A reason quoting a huge frame is cut: one line in the log, one small ERROR frame.
        let reason = reason.count > 2000 ? reason.prefix(2000) + "..." : reason
        let error = LUTFError(code, reason, details: ["peer": .string(peer)])
        switch side {
        case .server: logger.warning("closing connection from \(peer): \(reason)")
        case .client: logger.warning("closing connection to \(peer): \(reason)")
        }
        writeFrame(context, .error(LUTFError(code, reason)), promise: nil)
        context.flush()
        closed = true
        handshakeTimer?.cancel()
        settleAuthentication(error)
        context.fireErrorCaught(error)
        // Frames still being sealed (the ERROR frame among them) go out before the close.
        if sealing.isEmpty { context.close(promise: nil) } else { closeWhenSealed = true }
    }
}

extension ChannelHandlerContext {
    /// Runs `work` on NIO's thread pool and hands its result to `then` back on this context's
    /// event loop (where the handler's state may be touched).
    func offLoop<T: Sendable>(
        _ work: @escaping @Sendable () throws -> T, then: @escaping (Result<T, any Error>) -> Void
    ) {
        let then = NIOLoopBound(then, eventLoop: eventLoop)
        NIOThreadPool.singleton.runIfActive(eventLoop: eventLoop, work).whenComplete { then.value($0) }
    }
}
