import Foundation
import LUTFCore

#if canImport(Glibc)
    import Glibc
#endif

/// Where a run under auster reports, as a bash suite does: SubTests appended to the `lutf` entry
/// auster has opened in its `results.yml`, test logs named as auster names them, and its skip
/// marker removed once a test did not skip.
///
/// auster writes the TestGroup header, opens `- name: lutf ... SubTests:` before the suite runs
/// and appends the suite's `duration` and `status` after it exits (from the exit status and
/// `$TF_SKIP`); in between the suite appends one SubTests item per test. So this only ever
/// appends items, each in one `write(2)` on an `O_APPEND` descriptor, never rewriting the file.
public struct AusterSettings: Sendable {
    /// auster's `$YAML_LOG`: the `results.yml` to append SubTests to.
    public var yaml: String?
    /// auster's `$TESTLOG_PREFIX` (`$LOGDIR/lutf`): test logs are `PREFIX.NAME.test_log.HOST.log`.
    public var logPrefix: String?
    /// The short host name in log names (`hostname -s`).
    public var host = HostInfo.hostname.split(separator: ".").first.map(String.init) ?? HostInfo.hostname
    /// auster's `$TF_SKIP`: removed when a test passes or fails (a suite of skips stays SKIP).
    public var skipMarker: String?

    public init() {}

    public var isActive: Bool { yaml != nil || logPrefix != nil || skipMarker != nil }
}

public enum AusterReport {
    /// A test's name in auster's results: `test_SUITE_KEY` (unique across LUTF's suites, which
    /// share auster's one `lutf` entry).
    public static func name(_ script: TestScript) -> String { "test_\(script.suite)_\(script.key)" }

    /// The SubTests item of `result`, as a bash suite's `log_sub_test_end` lays it out (with a
    /// valid YAML double-quoted error; bash's `%q` is not valid YAML for `'` and `$`).
    public static func item(_ result: TestResult) -> String {
        let error = result.error.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let clipped = error.count > 1024 ? String(error.prefix(1024)) + "..." : error
        return "        -\n" + "            name: \(name(result.script))\n"
            + "            status: \(result.status.rawValue)\n"
            + "            duration: \(ResultsWriter.seconds(result))\n"
            + "            return_code: \(result.status == .fail ? 1 : 0)\n"
            + "            error:\(clipped.isEmpty ? "" : " " + JSONText.encodeString(.string(clipped)))\n"
    }

    /// Reports a finished test: its SubTests item, its logs (`testDirectory` holds them), and the
    /// skip marker; `nodeHosts` maps agents to the short host names their debug logs carry.
    public static func record(
        _ result: TestResult, testDirectory: String, nodeHosts: [String: String], settings: AusterSettings
    ) throws(LUTFError) {
        if let prefix = settings.logPrefix {
            copyLogs(result, testDirectory: testDirectory, prefix: prefix, settings, nodeHosts)
        }
        if let yaml = settings.yaml { try append(item(result), to: yaml) }
        if let marker = settings.skipMarker, result.status != .skip { unlink(marker) }
    }

    /// Checks that auster's results.yml at `path` ends in an entry it opened and has not closed
    /// (`name:` ... `SubTests:`, no `status:` yet), which is where the SubTests items go.
    ///
    /// - Throws: a `setup` error naming the file and what is wrong, before any test runs: LUTF's
    ///   items appended anywhere else would make auster's file wrong or invalid.
    public static func checkOpenEntry(_ path: String) throws(LUTFError) {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw LUTFError(
                .setup, "cannot read auster's results \(path) (it must exist: auster opens the lutf entry in it)")
        }
        // Entry keys are indented 8 (yaml.sh's layout), SubTests items' keys 12.
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.lastIndex(where: { $0.hasPrefix("        name: ") }) else {
            throw LUTFError(.setup, "auster's results \(path) has no suite entry open for LUTF's subtests (no 'name:')")
        }
        let entry = lines[start...]
        let name = entry.first!.dropFirst("        name: ".count)
        guard entry.contains(where: { $0 == "        SubTests:" }) else {
            throw LUTFError(.setup, "auster's results \(path): its last entry, '\(name)', has no 'SubTests:' to add to")
        }
        if entry.contains(where: { $0.hasPrefix("        status:") }) {
            throw LUTFError(
                .setup, "auster's results \(path): its last entry, '\(name)', is already closed (it has a status)")
        }
    }

    /// Appends `text` to `path` in one write (O_APPEND: auster writes the same file).
    static func append(_ text: String, to path: String) throws(LUTFError) {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw LUTFError(.io, "cannot append to auster's results \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            throw LUTFError(.io, "cannot append to auster's results \(path): \(String(cString: strerror(errno)))")
        }
    }

    static func copyLogs(
        _ result: TestResult, testDirectory: String, prefix: String, _ settings: AusterSettings,
        _ nodeHosts: [String: String]
    ) {
        let fm = FileManager.default
        let base = "\(prefix).\(name(result.script))"
        var log = ""
        for file in ["output.log", "rpc.log", "evidence.txt"] {
            if let text = try? String(contentsOfFile: testDirectory + "/" + file, encoding: .utf8), !text.isEmpty {
                log += "==> \(file) <==\n\(text)\n"
            }
        }
        try? ResultsWriter.atomicWrite(log, to: "\(base).test_log.\(settings.host).log")
        let stamp = Int(Date().timeIntervalSince1970)
        var used: Set<String> = []
        for node in ((try? fm.contentsOfDirectory(atPath: testDirectory)) ?? []).sorted() {
            var host = nodeHosts[node].flatMap { $0.split(separator: ".").first.map(String.init) } ?? node
            if !used.insert(host).inserted { host += "-\(node)" }
            for (file, kind) in [("lctl-dk.log", "debug_log"), ("kernel.log", "dmesg")] {
                let source = "\(testDirectory)/\(node)/\(file)"
                if fm.fileExists(atPath: source) {
                    try? fm.copyItem(atPath: source, toPath: "\(base).\(kind).\(host).\(stamp).log")
                }
            }
        }
    }
}
