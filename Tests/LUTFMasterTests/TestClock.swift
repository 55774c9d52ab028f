import Synchronization

/// A monotonic clock (nanoseconds) the test moves by hand.
final class TestClock: Sendable {
    private let now = Mutex<Int64>(1_000_000_000)
    func read() -> Int64 { now.withLock { $0 } }
    func advance(seconds: Double) { now.withLock { $0 += Int64(seconds * 1e9) } }
}
