import Synchronization

/// A run asked to stop by a signal (SIGINT, SIGTERM): set once by whoever watches the signals,
/// read by what runs the tests, which records the running test "interrupted", keeps every
/// finished one and stops.
public final class Interruption: Sendable {
    private let box = Mutex<(signal: Int32, name: String)?>(nil)
    private let fired = OneShot<String>()

    public init() {}

    /// Records the signal (the first one counts).
    public func trigger(signal: Int32, name: String) {
        let first = box.withLock { box in
            guard box == nil else { return false }
            box = (signal, name)
            return true
        }
        if first { fired.succeed(name) }
    }

    /// Waits for the interruption and returns its reason (cancellable).
    public func wait() async throws -> String {
        try await fired.value
    }

    /// The signal's number, once one came.
    public var signal: Int32? { box.withLock { $0?.signal } }

    /// The signal that stops the run (`SIGINT`), once one came.
    public var reason: String? { box.withLock { $0?.name } }

    /// The conventional exit status of a process ended by the signal: 128 + its number.
    public var exitStatus: Int32? { signal.map { 128 + $0 } }
}
