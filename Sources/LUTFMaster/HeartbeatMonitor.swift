import LUTFCore
import Synchronization

/// Judges agents by what they sent, not by how late the master looked.
///
/// It keeps its own clock, *master time*, which advances only while the master runs: each tick
/// moves it by the real time since the last tick, but never by more than `maxStep`. A master
/// that was stopped (SIGSTOP, a paused VM) or whose event loops were busy for seconds (encoding a
/// huge value) therefore does not count that time against its agents: when it runs again,
/// heartbeats that waited in the sockets arrive and are stamped before anyone has gone silent
/// for long in master time. An agent that really went away is still judged dead after
/// `deadAfter` seconds of master time.
///
/// The clock is injected (nanoseconds, monotonic) so the rule is tested without waiting.
public final class HeartbeatMonitor: Sendable {
    private struct State {
        var master: Int64 = 0
        var lastTick: Int64
    }

    private let state: Mutex<State>
    private let clock: @Sendable () -> Int64
    /// The most a tick moves master time, in nanoseconds.
    public let maxStep: Int64

    /// - Parameters:
    ///   - maxStep: the longest gap between ticks counted in full (twice the tick period).
    ///   - clock: monotonic nanoseconds (the real one by default).
    public init(maxStep: Duration, clock: @escaping @Sendable () -> Int64 = Monotonic.nanoseconds) {
        self.clock = clock
        self.maxStep =
            Int64(maxStep.components.seconds) * 1_000_000_000 + maxStep.components.attoseconds / 1_000_000_000
        self.state = Mutex(State(lastTick: clock()))
    }

    /// Advances master time by the time since the last tick, at most `maxStep`.
    public func tick() {
        let now = clock()
        state.withLock { state in
            state.master += min(max(0, now - state.lastTick), maxStep)
            state.lastTick = now
        }
    }

    /// Master time now (as a heartbeat arriving now is stamped).
    public func stamp() -> Int64 {
        let now = clock()
        return state.withLock { $0.master + min(max(0, now - $0.lastTick), maxStep) }
    }

    /// Seconds of master time since `stamp`.
    public func silence(since stamp: Int64) -> Double {
        Double(self.stamp() - stamp) / 1e9
    }
}
