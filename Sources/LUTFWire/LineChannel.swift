import LUTFCore
import Logging
import NIOCore
import NIOPosix
import OrderedCollections

/// A local channel to a Python process: newline-delimited JSON over a Unix socket.
///
/// Both sides send requests `{"id": N, "op": NAME, ...}` and answer
/// `{"re": N, "ok": true, "value": V}` or `{"re": N, "ok": false, "error": {code, message, ...}}`.
public typealias LineChannel = NIOAsyncChannel<Value, Value>

/// Splits the byte stream into lines and each line into a ``Value``, and back.
final class JSONLineHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = Value
    typealias OutboundIn = Value
    typealias OutboundOut = ByteBuffer

    static let maxLine = 256 << 20
    private var buffer = ByteBuffer()
    /// Readable bytes already searched for a newline (a long line arrives in many reads).
    private var scanned = 0

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        buffer.writeBuffer(&incoming)
        while true {
            guard let newline = buffer.readableBytesView.dropFirst(scanned).firstIndex(of: UInt8(ascii: "\n")) else {
                scanned = buffer.readableBytes
                break
            }
            scanned = 0
            let length = newline - buffer.readerIndex
            let line = buffer.readBytes(length: length)!
            buffer.moveReaderIndex(forwardBy: 1)
            if line.isEmpty { continue }
            do {
                context.fireChannelRead(wrapInboundOut(try JSONText.decode(line)))
            } catch {
                context.fireErrorCaught(LUTFError(.protocolViolation, "local channel: unparsable line: \(error)"))
                context.close(promise: nil)
                return
            }
        }
        if buffer.readableBytes > Self.maxLine {
            context.fireErrorCaught(
                LUTFError(.protocolViolation, "local channel: line longer than \(Self.maxLine) bytes"))
            context.close(promise: nil)
        }
        // Compact only when it is cheap or worth it, not by copying a long partial line on every read.
        if buffer.readableBytes == 0 || buffer.readerIndex > 1 << 20 { buffer.discardReadBytes() }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        var bytes = JSONText.encode(unwrapOutboundIn(data))
        bytes.append(UInt8(ascii: "\n"))
        var out = context.channel.allocator.buffer(capacity: bytes.count)
        out.writeBytes(bytes)
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

/// Requests this side sends over a local channel, and their answers.
public final class LineEndpoint: Sendable {
    public let channel: any Channel
    private let pending: PendingCalls
    public let peerName: String

    public init(channel: any Channel, peerName: String) {
        self.channel = channel
        self.peerName = peerName
        self.pending = PendingCalls(eventLoop: channel.eventLoop, peerName: peerName)
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
            return channel.writeAndFlush(Value.map(message))
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
