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

    public init(channel: any Channel, localName: String, peerName: String) {
        self.channel = channel
        self.localName = localName
        self.peerName = peerName
        self.pending = PendingCalls(eventLoop: channel.eventLoop, peerName: peerName)
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
        let (localName, peerName) = (self.localName, self.peerName)
        return try await pending.call(timeout: timeout, onTimeout: onTimeout) { id in
            var request: OrderedDictionary<String, Value> = [
                "id": .int(id), "dst": .string(peerName), "src": .string(localName),
            ]
            for (k, v) in fields { request[k] = v }
            request["deadline"] = .double(timeout)
            return channel.writeAndFlush(Message(.rpcRequest, ["rpc": .map(request)]))
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
