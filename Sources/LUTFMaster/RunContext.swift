import Foundation
import LUTFCore

/// The run a master is executing: its id, where its files go, and its environment.
public struct RunContext: Sendable {
    public var id: String
    /// Results directory of the run.
    public var resultsDirectory: String
    /// The environment every node's scripts see (`lutf.get_environment()`).
    public var environment: Value

    public init(id: String, resultsDirectory: String, environment: Value) {
        self.id = id
        self.resultsDirectory = resultsDirectory
        self.environment = environment
    }

    /// A new run id: `20261125-094102-3fa1`.
    public static func newID() -> String {
        var t = time(nil)
        var parts = tm()
        localtime_r(&t, &parts)
        let stamp = String(
            format: "%04d%02d%02d-%02d%02d%02d", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday, parts.tm_hour,
            parts.tm_min, parts.tm_sec)
        return stamp + "-" + HostInfo.randomToken(bytes: 2)
    }

    /// The environment variables of this process that scripts get to see: auster's node and
    /// run variables (`mds1_HOST`, `CLIENTS`, `OSTCOUNT`, `LUSTRE`, `ONLY`, ...) and any
    /// `LUTF_ENV_NAME` (as `NAME`).
    public static func passedThrough(_ environment: [String: String]) -> [String: String] {
        let named: Set<String> = [
            "CLIENTS", "RCLIENTS", "LUSTRE", "NETTYPE", "LOGDIR", "SLOW", "ONLY", "EXCEPT", "SUITE", "PATTERN",
            "TESTSUITE", "FSNAME", "PDSH", "NAME",
        ]
        var out: [String: String] = [:]
        for (key, value) in environment {
            if named.contains(key) || key.hasSuffix("_HOST") || (key.hasSuffix("COUNT") && key.uppercased() == key) {
                out[key] = value
            } else if key.hasPrefix("LUTF_ENV_"), key.count > 9 {
                out[String(key.dropFirst(9))] = value
            }
        }
        return out
    }
}
