import LUTFCore
import NIOCore
import OrderedCollections
import Synchronization

/// The calls this side has in flight on one connection, matched to responses by id.
///
/// Any number of calls may be in flight at once. Each ends exactly once: with the response, at
/// its deadline, when the caller's task is cancelled, or when the connection dies
/// (``failAll(_:)``), whichever comes first.
public final class RPCEndpoint: Sendable {
    private struct Pending {
        var continuation: CheckedContinuation<Value, any Error>
        var timer: Scheduled<Void>?
    }

    private struct State {
        var nextID = 1
        var pending: [Int: Pending] = [:]
        var closed: LUTFError?
    }

    private let state = Mutex(State())
    private let channel: any Channel
    /// This side's name (`src` of requests).
    public let localName: String
    /// The other side's name (`dst` of requests), for messages.
    public let peerName: String

    public init(channel: any Channel, localName: String, peerName: String) {
        self.channel = channel
        self.localName = localName
        self.peerName = peerName
    }

    /// The number of calls waiting for a response.
    public var inFlight: Int { state.withLock { $0.pending.count } }

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
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        var request: OrderedDictionary<String, Value> = [
            "id": .int(id), "dst": .string(peerName), "src": .string(localName),
        ]
        for (k, v) in fields { request[k] = v }
        request["deadline"] = .double(timeout)
        let message = Message(.rpcRequest, ["rpc": .map(request)])
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let closed: LUTFError? = state.withLock { state in
                    if let closed = state.closed { return closed }
                    state.pending[id] = Pending(continuation: continuation, timer: nil)
                    return nil
                }
                if let closed {
                    continuation.resume(throwing: closed)
                    return
                }
                if Task.isCancelled {
                    complete(id, .failure(LUTFError(.cancelled, "call to \(peerName) cancelled")))
                    return
                }
                let timer = channel.eventLoop.scheduleTask(in: .nanoseconds(Int64(timeout * 1e9))) { [self] in
                    _ = complete(id, .failure(onTimeout()))
                }
                let stillPending = state.withLock { state in
                    guard state.pending[id] != nil else { return false }
                    state.pending[id]!.timer = timer
                    return true
                }
                if !stillPending { timer.cancel() }
                channel.writeAndFlush(message).whenFailure { [self] error in
                    complete(
                        id,
                        .failure(
                            LUTFError(.agentDead, "cannot send to \(peerName): connection lost (\(error))")))
                }
            }
        } onCancel: {
            complete(id, .failure(LUTFError(.cancelled, "call to \(peerName) cancelled")))
        }
    }

    /// Routes a response frame to its waiting call; unknown ids (a call that already timed out)
    /// are ignored and reported as `false`.
    @discardableResult
    public func deliver(_ response: Value) -> Bool {
        guard let id = response["rpc"]?["id"]?.intValue else { return false }
        return complete(id, RPC.outcome(of: response, peer: peerName).mapError { $0 as any Error })
    }

    /// Fails every call in flight, and every later call, with `error`.
    public func failAll(_ error: LUTFError) {
        let pending: [Pending] = state.withLock { state in
            if state.closed == nil { state.closed = error }
            defer { state.pending = [:] }
            return Array(state.pending.values)
        }
        for p in pending {
            p.timer?.cancel()
            p.continuation.resume(throwing: error)
        }
    }

    @discardableResult
    private func complete(_ id: Int, _ result: Result<Value, any Error>) -> Bool {
        guard let pending = state.withLock({ $0.pending.removeValue(forKey: id) }) else { return false }
        pending.timer?.cancel()
        pending.continuation.resume(with: result)
        return true
    }
}
