import Synchronization

/// A value set once and awaited by any number of tasks (a bound address, a finished run).
///
/// Waiting is cancellable: a cancelled waiter gets `CancellationError` and the value stays.
public final class OneShot<T: Sendable>: Sendable {
    private enum State {
        case waiting([Int: CheckedContinuation<T, any Error>], next: Int)
        case done(Result<T, any Error>)
    }

    private let state = Mutex<State>(.waiting([:], next: 0))

    public init() {}

    /// One already set to `value`.
    public static func completed(_ value: T) -> OneShot<T> {
        let shot = OneShot<T>()
        shot.succeed(value)
        return shot
    }

    /// Sets the value; later calls are ignored.
    public func succeed(_ value: T) { complete(.success(value)) }

    /// Fails every waiter; later calls are ignored.
    public func fail(_ error: any Error) { complete(.failure(error)) }

    private func complete(_ result: Result<T, any Error>) {
        let waiters: [CheckedContinuation<T, any Error>] = state.withLock { state in
            guard case .waiting(let waiters, _) = state else { return [] }
            state = .done(result)
            return Array(waiters.values)
        }
        for waiter in waiters { waiter.resume(with: result) }
    }

    /// The value, once set.
    public var value: T {
        get async throws {
            let id: Int? = state.withLock { state in
                guard case .waiting(let waiters, let next) = state else { return nil }
                state = .waiting(waiters, next: next + 1)
                return next
            }
            guard let id else { return try currentResult!.get() }
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    let ready: Result<T, any Error>? = state.withLock { state in
                        switch state {
                        case .waiting(var waiters, let next):
                            if Task.isCancelled { return .failure(CancellationError()) }
                            waiters[id] = continuation
                            state = .waiting(waiters, next: next)
                            return nil
                        case .done(let result):
                            return result
                        }
                    }
                    if let ready { continuation.resume(with: ready) }
                }
            } onCancel: {
                let waiter: CheckedContinuation<T, any Error>? = state.withLock { state in
                    guard case .waiting(var waiters, let next) = state, let waiter = waiters.removeValue(forKey: id)
                    else { return nil }
                    state = .waiting(waiters, next: next)
                    return waiter
                }
                waiter?.resume(throwing: CancellationError())
            }
        }
    }

    private var currentResult: Result<T, any Error>? {
        state.withLock { state in
            if case .done(let result) = state { return result }
            return nil
        }
    }

    /// The value if already set.
    public var current: T? {
        if case .success(let v) = currentResult { return v }
        return nil
    }
}
