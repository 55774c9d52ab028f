import Foundation

/// CPU time and memory of a process, read from `/proc`.
public struct ProcessStats: Sendable {
    /// User plus system CPU seconds so far.
    public var cpuSeconds: Double
    /// Resident memory in bytes.
    public var residentBytes: Int
    /// Peak resident memory in bytes.
    public var peakResidentBytes: Int

    /// The stats of process `pid` (this process by default), or `nil` if it is gone.
    public static func read(pid: Int32? = nil) -> ProcessStats? {
        let base = pid.map { "/proc/\($0)" } ?? "/proc/self"
        guard let stat = try? String(contentsOfFile: base + "/stat", encoding: .utf8),
            let status = try? String(contentsOfFile: base + "/status", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after "(comm)": state is field 3; utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let utime = Double(fields[11]), let stime = Double(fields[12]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        func kilobytes(_ key: String) -> Int {
            for line in status.split(separator: "\n") where line.hasPrefix(key) {
                return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
            }
            return 0
        }
        return ProcessStats(
            cpuSeconds: (utime + stime) / ticks, residentBytes: kilobytes("VmRSS:") * 1024,
            peakResidentBytes: kilobytes("VmHWM:") * 1024)
    }
}

extension Int {
    /// Bytes as text for reports: `45.2 MiB`.
    public var mebibytesText: String {
        let mib = Double(self) / 1_048_576
        return "\((mib * 10).rounded() / 10) MiB"
    }
}
