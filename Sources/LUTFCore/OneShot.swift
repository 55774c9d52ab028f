import Synchronization

/// A value set once and awaited by any number of tasks (a bound address, a finished run).
public final class OneShot<T: Sendable>: Sendable {
    private enum State {
        case waiting([CheckedContinuation<T, any Error>])
        case done(Result<T, any Error>)
    }

    private let state = Mutex<State>(.waiting([]))

    public init() {}

    /// Sets the value; later calls are ignored.
    public func succeed(_ value: T) { complete(.success(value)) }

    /// Fails every waiter; later calls are ignored.
    public func fail(_ error: any Error) { complete(.failure(error)) }

    private func complete(_ result: Result<T, any Error>) {
        let waiters: [CheckedContinuation<T, any Error>] = state.withLock { state in
            guard case .waiting(let waiters) = state else { return [] }
            state = .done(result)
            return waiters
        }
        for waiter in waiters { waiter.resume(with: result) }
    }

    /// The value, once set.
    public var value: T {
        get async throws {
            try await withCheckedThrowingContinuation { continuation in
                let ready: Result<T, any Error>? = state.withLock { state in
                    switch state {
                    case .waiting(var waiters):
                        waiters.append(continuation)
                        state = .waiting(waiters)
                        return nil
                    case .done(let result):
                        return result
                    }
                }
                if let ready { continuation.resume(with: ready) }
            }
        }
    }

    /// The value if already set.
    public var current: T? {
        state.withLock { state in
            if case .done(.success(let v)) = state { return v }
            return nil
        }
    }
}
