import CLUTFShims
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The processes a test leaves behind, found and ended.
///
/// A test's processes are killed with their process group when it ends, but a daemon that forks
/// twice and calls `setsid` has left the group. The master and the agents are subreapers
/// (``adopt()``): such an orphan becomes their child, and ``end(marked:value:)`` finds it among
/// their children by the environment variable every process of the test inherits (a script's
/// `LUTF_TOKEN`, a worker's `LUTF_RUN`) and kills and reaps it. Processes LUTF itself started
/// without that mark (its own tools, agents, workers) are never touched.
public enum Strays {
    /// Makes this process the reaper of its orphaned descendants; `false` where the system does
    /// not allow it (then a daemon that left its group is not found).
    @discardableResult
    public static func adopt() -> Bool {
        lutf_become_subreaper() == 0
    }

    /// Kills (SIGKILL) the descendants of this process whose environment has `variable=value`,
    /// except `keep`, and reaps those that are its children; returns what it ended (`pid command`).
    public static func end(marked variable: String, value: String, keep: Set<Int32> = []) -> [String] {
        let me = getpid()
        let parents = parentTable()
        var ended: [String] = []
        for (pid, _) in parents where pid != me && !keep.contains(pid) && descends(pid, from: me, parents) {
            guard environment(of: pid)[variable] == value else { continue }
            let command = commandLine(of: pid)
            kill(pid, SIGKILL)
            if parents[pid] == me {
                var status: Int32 = 0
                _ = waitpid(pid, &status, 0)
            }
            ended.append("\(pid) \(command)")
        }
        return ended.sorted()
    }

    static func descends(_ pid: Int32, from ancestor: Int32, _ parents: [Int32: Int32]) -> Bool {
        var current = pid
        for _ in 0..<64 {
            guard let parent = parents[current], parent > 1 else { return false }
            if parent == ancestor { return true }
            current = parent
        }
        return false
    }

    /// Every process's parent, from /proc.
    static func parentTable() -> [Int32: Int32] {
        var table: [Int32: Int32] = [:]
        for pid in ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap(Int32.init) {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            // pid (comm) state ppid ...
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let parent = Int32(fields[1]) { table[pid] = parent }
        }
        return table
    }

    static func environment(of pid: Int32) -> [String: String] {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return [:] }
        var out: [String: String] = [:]
        for item in data.split(separator: 0) {
            let text = String(decoding: item, as: UTF8.self)
            if let equals = text.firstIndex(of: "=") {
                out[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
        }
        return out
    }

    static func commandLine(of pid: Int32) -> String {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return "?" }
        return data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
    }
}
