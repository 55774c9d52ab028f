import LUTFCore
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// How late the event loops ran, and why: a task on every loop every millisecond notes how much
/// later than that it came (`late`) and how much CPU its loop's thread used in between (`busy`).
/// A loop busy encoding, sealing or decoding a large value shows as `busy`: the delay every
/// other connection on it suffered, heartbeats included. The rest of `late` is the machine
/// giving the thread no core.
final class LoopLagProbe: Sendable {
    struct Worst: Sendable {
        var late: Int64 = 0
        var busy: Int64 = 0
    }

    private let worst = Mutex(Worst())
    private let tasks: Mutex<[RepeatedTask]> = Mutex([])
    private static let period: Int64 = 1_000_000

    init(group: MultiThreadedEventLoopGroup = .singleton) {
        for loop in group.makeIterator() {
            let last = Atomic<Int64>(Monotonic.nanoseconds())
            let lastCPU = Atomic<Int64>(-1)
            let task = loop.scheduleRepeatedTask(initialDelay: .milliseconds(1), delay: .milliseconds(1)) {
                [self] _ in
                let now = Monotonic.nanoseconds()
                let cpu = Self.threadCPU()
                let late = now - last.exchange(now, ordering: .relaxed) - Self.period
                let previousCPU = lastCPU.exchange(cpu, ordering: .relaxed)
                let busy = previousCPU < 0 ? 0 : cpu - previousCPU
                worst.withLock {
                    $0.late = max($0.late, late)
                    $0.busy = max($0.busy, busy)
                }
            }
            tasks.withLock { $0.append(task) }
        }
    }

    private static func threadCPU() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    /// The longest delay and the longest busy stretch since the last call, in seconds.
    func take() -> (late: Double, busy: Double) {
        let w = worst.withLock { value in
            defer { value = Worst() }
            return value
        }
        return (Double(w.late) / 1e9, Double(w.busy) / 1e9)
    }

    func stop() {
        for task in tasks.withLock({ $0 }) { task.cancel() }
    }
}
