import LUTFMaster
import Synchronization
import Testing

/// Master time, driven by a test clock: what counts as an agent's silence.
@Suite("heartbeat judgement", .timeLimit(.minutes(1)))
struct HeartbeatMonitorTests {

    /// Ticks every 0.25 s for `seconds`, as the master's monitor does while it runs.
    func run(_ monitor: HeartbeatMonitor, _ clock: TestClock, seconds: Double, heard: (() -> Void)? = nil) {
        for _ in 0..<Int(seconds / 0.25) {
            clock.advance(seconds: 0.25)
            monitor.tick()
            heard?()
        }
    }

    @Test("a silent agent is silent for as long as the master runs: dead after 3 intervals")
    func silentAgent() {
        let clock = TestClock()
        let monitor = HeartbeatMonitor(maxStep: .milliseconds(500), clock: clock.read)
        let heard = monitor.stamp()
        run(monitor, clock, seconds: 3.25)
        #expect(monitor.silence(since: heard) > 3.0)
        #expect(monitor.silence(since: heard) < 3.5)
    }

    @Test("a master paused 10 s, then resumed with heartbeats queued, counts nobody silent for long")
    func pausedMaster() {
        let clock = TestClock()
        let monitor = HeartbeatMonitor(maxStep: .milliseconds(500), clock: clock.read)
        var heard = monitor.stamp()
        run(monitor, clock, seconds: 2) { heard = monitor.stamp() }
        clock.advance(seconds: 10)  // SIGSTOP ... SIGCONT: no tick ran
        // The first tick after the pause; the queued heartbeat is read right after it.
        monitor.tick()
        #expect(monitor.silence(since: heard) <= 0.5 + 1e-9)
        heard = monitor.stamp()
        run(monitor, clock, seconds: 2) { heard = monitor.stamp() }
        #expect(monitor.silence(since: heard) < 0.01)
    }

    @Test("an agent that really stopped during the pause is dead once the master has run long enough")
    func stoppedDuringPause() {
        let clock = TestClock()
        let monitor = HeartbeatMonitor(maxStep: .milliseconds(500), clock: clock.read)
        let heard = monitor.stamp()
        clock.advance(seconds: 10)
        monitor.tick()
        #expect(monitor.silence(since: heard) <= 0.5 + 1e-9)
        run(monitor, clock, seconds: 3)
        let silence = monitor.silence(since: heard)
        #expect(silence > 3.0 && silence < 4.0, "silence \(silence) s of master time")
    }

    @Test("between ticks, time counts as it passes, up to the step")
    func betweenTicks() {
        let clock = TestClock()
        let monitor = HeartbeatMonitor(maxStep: .milliseconds(500), clock: clock.read)
        let heard = monitor.stamp()
        clock.advance(seconds: 0.2)
        #expect(abs(monitor.silence(since: heard) - 0.2) < 1e-6)
        clock.advance(seconds: 5)
        #expect(abs(monitor.silence(since: heard) - 0.5) < 1e-6)
    }
}
