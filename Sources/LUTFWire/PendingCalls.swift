import LUTFCore
import NIOCore
import Synchronization

/// Requests this side has sent and not yet seen answered, matched to answers by id.
///
/// Each call ends exactly once: with its answer, at its deadline, when the caller's task is
/// cancelled, or when the connection dies (``failAll(_:)``), whichever comes first. Used by the
/// wire RPC endpoint and by local channels to Python.
public final class PendingCalls: Sendable {
    private struct Pending {
        var continuation: CheckedContinuation<Value, any Error>
        var deadline: Int?
    }

    private struct State {
        var nextID = 1
        var pending: [Int: Pending] = [:]
        var closed: LUTFError?
    }

    private let state = Mutex(State())
    private let deadlines: Deadlines
    private let peerName: String

    public init(eventLoop: any EventLoop, peerName: String) {
        self.deadlines = Deadlines(eventLoop: eventLoop)
        self.peerName = peerName
    }

    /// The number of calls waiting for an answer.
    public var count: Int { state.withLock { $0.pending.count } }

    /// Registers a call under a new id, lets `send` send it, and waits for its answer.
    ///
    /// - Parameters:
    ///   - timeout: seconds to wait; `onTimeout` makes the error then.
    ///   - send: sends the request carrying the given id; its failure fails the call.
    public func call(
        timeout: Double, onTimeout: @escaping @Sendable () -> LUTFError,
        send: @escaping @Sendable (Int) -> EventLoopFuture<Void>
    ) async throws -> Value {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        let peerName = self.peerName
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let closed: LUTFError? = state.withLock { state in
                    if let closed = state.closed { return closed }
                    state.pending[id] = Pending(continuation: continuation, deadline: nil)
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
                let deadline = deadlines.add(afterSeconds: timeout) { [self] in
                    _ = complete(id, .failure(onTimeout()))
                }
                let stillPending = state.withLock { state in
                    guard state.pending[id] != nil else { return false }
                    state.pending[id]!.deadline = deadline
                    return true
                }
                if !stillPending { deadlines.remove(deadline) }
                send(id).whenFailure { [self] error in
                    // A message refused before it left (too large) is that call's error alone.
                    if let error = error as? LUTFError, error.code == .usage {
                        complete(id, .failure(LUTFError(.usage, "cannot send to \(peerName): \(error.message)")))
                    } else {
                        complete(
                            id,
                            .failure(LUTFError(.agentDead, "cannot send to \(peerName): connection lost (\(error))")))
                    }
                }
            }
        } onCancel: {
            complete(id, .failure(LUTFError(.cancelled, "call to \(peerName) cancelled")))
        }
    }

    /// Ends call `id` with `result`; returns `false` if it is no longer waiting (timed out).
    @discardableResult
    public func complete(_ id: Int, _ result: Result<Value, any Error>) -> Bool {
        guard let pending = state.withLock({ $0.pending.removeValue(forKey: id) }) else { return false }
        if let deadline = pending.deadline { deadlines.remove(deadline) }
        pending.continuation.resume(with: result)
        return true
    }

    /// Fails every call waiting, and every later call, with `error`.
    public func failAll(_ error: LUTFError) {
        let pending: [Pending] = state.withLock { state in
            if state.closed == nil { state.closed = error }
            defer { state.pending = [:] }
            return Array(state.pending.values)
        }
        for p in pending {
            if let deadline = p.deadline { deadlines.remove(deadline) }
            p.continuation.resume(throwing: error)
        }
    }
}
