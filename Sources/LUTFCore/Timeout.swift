/// Runs `body`, or throws `timeoutError` (default: a `timeout` error) after `seconds`,
/// cancelling `body`.
public func withTimeout<T: Sendable>(
    seconds: Double, orThrow timeoutError: (@Sendable () -> LUTFError)? = nil,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw timeoutError?() ?? LUTFError(.timeout, "gave up after \(seconds.secondsText)")
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
