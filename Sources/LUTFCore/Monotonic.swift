import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Monotonic time in nanoseconds, cheap enough to read on every heartbeat and storable in an atomic.
public enum Monotonic {
    public static func nanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// Seconds elapsed since a reading of ``nanoseconds()``.
    public static func secondsSince(_ start: Int64) -> Double {
        Double(nanoseconds() - start) / 1e9
    }
}

extension Double {
    /// Seconds as text for messages: `0.4 s`, `12 s`.
    public var secondsText: String {
        if self < 10 {
            let tenths = (self * 10).rounded() / 10
            return "\(tenths) s"
        }
        return "\(Int(self.rounded())) s"
    }
}

extension Duration {
    /// The duration in seconds, for arithmetic and messages (`secondsText`).
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

/// A monotonic moment shared between tasks: "when did we last hear from the peer".
public final class LastHeard: Sendable {
    private let nanoseconds: Atomic<Int64>

    public init() {
        nanoseconds = Atomic(Monotonic.nanoseconds())
    }

    /// Records that the peer was heard now.
    public func touch() {
        nanoseconds.store(Monotonic.nanoseconds(), ordering: .relaxed)
    }

    /// Seconds since the peer was last heard.
    public var silence: Double {
        Monotonic.secondsSince(nanoseconds.load(ordering: .relaxed))
    }
}
