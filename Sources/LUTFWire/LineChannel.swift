import LUTFCore
import Logging
import NIOCore
import NIOPosix
import OrderedCollections

/// A local channel to a Python process: newline-delimited JSON over a Unix socket.
///
/// Both sides send requests `{"id": N, "op": NAME, ...}` and answer
/// `{"re": N, "ok": true, "value": V}` or `{"re": N, "ok": false, "error": {code, message, ...}}`.
public typealias LineChannel = NIOAsyncChannel<Value, Line>

/// One outgoing line, encoded by whoever makes it (on its own task), so that the event loop,
/// which other connections share, only writes bytes.
public struct Line: Sendable {
    public let bytes: [UInt8]

    public init(_ value: Value) {
        var bytes = JSONText.encode(value)
        bytes.append(UInt8(ascii: "\n"))
        self.bytes = bytes
    }
}

/// Splits the byte stream into lines and each line into a ``Value``, and back.
final class JSONLineHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = Value
    typealias OutboundIn = Line
    typealias OutboundOut = ByteBuffer

    static let maxLine = 256 << 20
    /// Where an answer line (`{"re": N, "ok": true, "value": V}`) from an agent's Python worker
    /// holds the called function's value (`V` is `{value, output, tools}`): a large one passes
    /// on to the master as JSON text, not a tree (``JSONText/decode(_:deferring:)``).
    static let deferred = ["value", "value"]
    private var buffer = ByteBuffer()
    /// Readable bytes already searched for a newline (a long line arrives in many reads).
    private var scanned = 0

    /// A long line is being decoded off the loop; the lines after it wait, in order.
    private var decodingOffLoop = false
    private var closed = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if closed { return }
        var incoming = unwrapInboundIn(data)
        buffer.writeBuffer(&incoming)
        decodeLines(context)
        if buffer.readableBytes > Self.maxLine {
            fail(context, "local channel: line longer than \(Self.maxLine) bytes")
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        context.fireChannelInactive()
    }

    /// Takes whole lines out of the buffer and passes them on decoded, until the bytes run out or
    /// a long line goes off the loop (its completion resumes here).
    private func decodeLines(_ context: ChannelHandlerContext) {
        while !closed, !decodingOffLoop {
            guard let newline = buffer.readableBytesView.dropFirst(scanned).firstIndex(of: UInt8(ascii: "\n")) else {
                scanned = buffer.readableBytes
                break
            }
            scanned = 0
            let length = newline - buffer.readerIndex
            let line = buffer.readBytes(length: length)!
            buffer.moveReaderIndex(forwardBy: 1)
            if line.isEmpty { continue }
            if line.count >= WireHandler.offloadBytes {
                decodeOffLoop(context, line)
                break
            }
            do {
                context.fireChannelRead(wrapInboundOut(try JSONText.decode(line, deferring: Self.deferred)))
            } catch {
                fail(context, "local channel: unparsable line: \(error)")
                return
            }
        }
        // Compact only when it is cheap or worth it, not by copying a long partial line on every read.
        if buffer.readableBytes == 0 || buffer.readerIndex > 1 << 20 { buffer.discardReadBytes() }
    }

    /// Decodes a long line on NIO's thread pool, as ``WireHandler`` does a large frame: the event
    /// loop, shared with the node's other connections (the master's heartbeats among them), would
    /// otherwise stop for as long as the decoding takes.
    private func decodeOffLoop(_ context: ChannelHandlerContext, _ line: [UInt8]) {
        decodingOffLoop = true
        context.offLoop {
            try JSONText.decode(line, deferring: Self.deferred)
        } then: { [self] result in
            decodingOffLoop = false
            if closed { return }
            switch result {
            case .success(let value): context.fireChannelRead(wrapInboundOut(value))
            case .failure(let error):
                fail(context, "local channel: unparsable line: \(error)")
                return
            }
            decodeLines(context)
            context.fireChannelReadComplete()
        }
    }

    private func fail(_ context: ChannelHandlerContext, _ message: String) {
        guard !closed else { return }
        closed = true
        context.fireErrorCaught(LUTFError(.protocolViolation, message))
        context.close(promise: nil)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let line = unwrapOutboundIn(data)
        var out = context.channel.allocator.buffer(capacity: line.bytes.count)
        out.writeBytes(line.bytes)
        context.write(wrapOutboundOut(out), promise: promise)
    }
}

/// Listening on a Unix socket for local channels.
public enum LocalSocket {
    public typealias Listener = NIOAsyncChannel<LineChannel, Never>

    /// Binds `path` (removing a stale socket file first).
    public static func listen(at path: String) async throws -> Listener {
        unlink(path)
        do {
            return try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(JSONLineHandler())
                        return try LineChannel(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw LUTFError(.io, "cannot listen on \(path): \(WireClient.describe(error))")
        }
    }
}

extension LocalSocket {
    /// Connects to the local socket at `path` (as a test's Python process does).
    public static func connect(to path: String) async throws -> LineChannel {
        do {
            return try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(unixDomainSocketPath: path) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(JSONLineHandler())
                        return try LineChannel(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw LUTFError(.io, "cannot connect to \(path): \(WireClient.describe(error))")
        }
    }
}

/// Requests this side sends over a local channel, and their answers.
public final class LineEndpoint: Sendable {
    public let channel: any Channel
    private let pending: PendingCalls
    public let peerName: String

    public init(channel: any Channel, peerName: String) {
        self.channel = channel
        self.peerName = peerName
        self.pending = PendingCalls(eventLoop: channel.eventLoop, peerName: peerName)
        // Answers are delivered on the event loop from here on (see ``ReplyRouter``); earlier
        // ones come through the channel's owner, which passes them to deliver(_:).
        ReplyRouter<Value>.install(on: channel, after: JSONLineHandler.self) { [self] message in
            message["re"] != nil && deliver(message)
        }
    }

    /// Sends `{"id", "op", ...fields}` and waits for the answer's value.
    public func request(
        _ op: String, _ fields: OrderedDictionary<String, Value>, timeout: Double,
        onTimeout: @escaping @Sendable () -> LUTFError
    ) async throws -> Value {
        let channel = self.channel
        return try await pending.call(timeout: timeout, onTimeout: onTimeout) { id in
            var message: OrderedDictionary<String, Value> = ["id": .int(id), "op": .string(op)]
            for (k, v) in fields where k != "id" && k != "op" { message[k] = v }
            return channel.writeAndFlush(Line(.map(message)))
        }
    }

    /// Routes an answer (`{"re": N, ...}`) to its request; `false` if nobody waits for it.
    @discardableResult
    public func deliver(_ answer: Value) -> Bool {
        guard let id = answer["re"]?.intValue else { return false }
        return pending.complete(id, Self.outcome(of: answer).mapError { $0 as any Error })
    }

    /// Fails every request waiting, and every later one, with `error`.
    public func failAll(_ error: LUTFError) {
        pending.failAll(error)
    }

    /// The value or error an answer carries.
    public static func outcome(of answer: Value) -> Result<Value, LUTFError> {
        if answer["ok"]?.boolValue == true { return .success(answer["value"] ?? .null) }
        return .failure(LUTFError(value: answer["error"] ?? [:]))
    }

    /// The answer to request `request` with `result`.
    public static func answer(to request: Value, _ result: Result<Value, LUTFError>) -> Value {
        let id = request["id"] ?? .null
        switch result {
        case .success(let value): return ["re": id, "ok": true, "value": value]
        case .failure(let error): return ["re": id, "ok": false, "error": error.value]
        }
    }
}
