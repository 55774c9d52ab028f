/// Runs `body`, or throws a `timeout` error after `seconds` (cancelling `body`).
public func withTimeout<T: Sendable>(seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws
    -> T
{
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw LUTFError(.timeout, "gave up after \(seconds.secondsText)")
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
