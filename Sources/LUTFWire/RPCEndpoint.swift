import LUTFCore
import NIOCore
import OrderedCollections

/// The RPCs this side has in flight on one wire connection.
///
/// Any number of calls may be in flight at once; see ``PendingCalls`` for how each ends.
public final class RPCEndpoint: Sendable {
    private let pending: PendingCalls
    private let channel: any Channel
    /// This side's name (`src` of requests).
    public let localName: String
    /// The other side's name (`dst` of requests), for messages.
    public let peerName: String
    /// The largest request body the peer takes (its `max_frame`).
    public let maxFrameBytes: Int

    public init(channel: any Channel, localName: String, peerName: String, maxFrameBytes: Int) {
        self.channel = channel
        self.localName = localName
        self.peerName = peerName
        self.maxFrameBytes = maxFrameBytes
        self.pending = PendingCalls(eventLoop: channel.eventLoop, peerName: peerName)
        // From here on responses are delivered on the event loop, straight to their calls; the
        // few that arrive before the router is in place come through the channel's owner, which
        // passes them to deliver(_:) too.
        ReplyRouter<Message>.install(on: channel, after: WireHandler.self) { [self] message in
            guard message.type == .rpcResponse else { return false }
            deliver(message.body)
            return true
        }
    }

    /// The number of calls waiting for a response.
    public var inFlight: Int { pending.count }

    /// Sends a request made of `fields` (without `id`, `src`, `dst`, `deadline`) and waits for the
    /// response's value.
    ///
    /// - Parameters:
    ///   - timeout: seconds to wait; also sent as the request's `deadline`.
    ///   - onTimeout: the error to fail with at the deadline (it can say when the peer was last heard).
    /// - Throws: ``LUTFError`` from the response, the deadline, cancellation or connection loss.
    public func call(
        _ fields: OrderedDictionary<String, Value>, timeout: Double,
        onTimeout: @escaping @Sendable () -> LUTFError
    ) async throws -> Value {
        let channel = self.channel
        let (localName, peerName, limit) = (self.localName, self.peerName, self.maxFrameBytes)
        return try await pending.call(timeout: timeout, onTimeout: onTimeout) { id in
            var request: OrderedDictionary<String, Value> = [
                "id": .int(id), "dst": .string(peerName), "src": .string(localName),
            ]
            for (k, v) in fields { request[k] = v }
            request["deadline"] = .double(timeout)
            // Encoded here, on the caller's task, not on the event loop the connection shares.
            do {
                return channel.writeAndFlush(try Message(.rpcRequest, ["rpc": .map(request)]).encoded(limit: limit))
            } catch {
                return channel.eventLoop.makeFailedFuture(error)
            }
        }
    }

    /// Routes a response frame to its waiting call; unknown ids (a call that already timed out)
    /// are ignored and reported as `false`.
    @discardableResult
    public func deliver(_ response: Value) -> Bool {
        guard let id = response["rpc"]?["id"]?.intValue else { return false }
        return pending.complete(id, RPC.outcome(of: response, peer: peerName).mapError { $0 as any Error })
    }

    /// Fails every call in flight, and every later call, with `error`.
    public func failAll(_ error: LUTFError) {
        pending.failAll(error)
    }
}

/// Passes replies to the calls waiting for them on the event loop, instead of through the async
/// channel to a task that passes them on: one thread wake-up fewer per call.
final class ReplyRouter<Message: Sendable>: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Message
    typealias InboundOut = Message

    /// Takes a message that is a reply (delivering it) and returns `true`, or returns `false`.
    private let take: @Sendable (Message) -> Bool

    init(take: @escaping @Sendable (Message) -> Bool) {
        self.take = take
    }

    /// Puts a router right after the `Decoder` handler of `channel`'s pipeline.
    static func install<Decoder: ChannelHandler & SendableMetatype>(
        on channel: any Channel, after decoder: Decoder.Type, take: @escaping @Sendable (Message) -> Bool
    ) {
        channel.eventLoop.execute {
            let pipeline = channel.pipeline.syncOperations
            guard let handler = try? pipeline.handler(type: Decoder.self) else { return }
            try? pipeline.addHandler(ReplyRouter(take: take), position: .after(handler))
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !take(unwrapInboundIn(data)) { context.fireChannelRead(data) }
    }
}
