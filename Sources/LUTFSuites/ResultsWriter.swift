import Foundation
import LUTFCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The results of a run on disk: `results.yml` in auster's format and `junit.xml`, both
/// rewritten atomically after every test so a killed run leaves valid files with every finished
/// test in them.
public final class ResultsWriter: Sendable {
    public let directory: String
    public let testGroup: String
    private let submission: String
    private let suites: [Suite]
    private let recorded = Mutex<(results: [TestResult], suiteStarts: [String: String])>(([], [:]))

    /// The results recorded so far, in order.
    public var results: [TestResult] { recorded.withLock { $0.results } }
    private var suiteStarts: [String: String] { recorded.withLock { $0.suiteStarts } }

    static func createDirectory(_ path: String, what: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw LUTFError(.setup, "cannot create the \(what) \(path): \(error.localizedDescription)")
        }
    }

    public init(directory: String, suites: [Suite], testGroup: String = "lutf") throws {
        self.directory = directory
        self.suites = suites
        self.testGroup = testGroup
        self.submission = Self.dateText(Date())
        try Self.createDirectory(directory, what: "results directory")
        try write()
    }

    /// A fresh per-test directory for logs: `<results>/<suite>/<test_name>/` (emptied if a
    /// earlier run left one there).
    public func testDirectory(_ script: TestScript) throws -> String {
        let path = "\(directory)/\(script.suite)/\(script.name)"
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Records a result and rewrites the files.
    ///
    /// - Throws: why the files could not be written (the first such reason is also kept in
    ///   ``failure``: a run whose results were not all recorded has failed).
    public func record(_ result: TestResult) throws {
        let index = recorded.withLock { state in
            if state.suiteStarts[result.script.suite] == nil {
                state.suiteStarts[result.script.suite] = Self.dateText(Date())
            }
            state.results.append(result)
            return state.results.count
        }
        do {
            try writeResultFile(result, index: index)
            try write()
        } catch {
            failureBox.withLock { if $0 == nil { $0 = error.message } }
            throw error
        }
    }

    private let failureBox = Mutex<String?>(nil)

    /// `SUITE/TEST/result.json`: the result as the report reads it (the files above keep only
    /// what auster's and JUnit's formats can say).
    func writeResultFile(_ result: TestResult, index: Int) throws(LUTFError) {
        let path = "\(directory)/\(result.script.suite)/\(result.script.name)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let finished = Date()
        var entry: OrderedDictionaryValue = [
            "index": .int(index), "suite": .string(result.script.suite), "key": .string(result.script.key),
            "name": .string(result.script.name), "path": .string(result.script.path),
            "status": .string(result.label), "duration_s": .double(result.duration), "error": .string(result.error),
            "expected_failure": .bool(result.expectedFailure), "unexpected_pass": .bool(result.unexpectedPass),
            "timed_out": .bool(result.error.hasPrefix("timed out after")),
            "started": .string(Self.isoText(finished.addingTimeInterval(-result.duration))),
        ]
        var traceback = result.details["traceback"]?.stringValue ?? ""
        let node = result.details["node"]?.stringValue
        if let remote = result.details["remote_traceback"]?.stringValue, !remote.isEmpty {
            traceback += (traceback.isEmpty ? "" : "\n") + "--- remote traceback (\(node ?? "agent")) ---\n" + remote
        }
        entry["traceback"] = .string(traceback)
        if let node { entry["error_node"] = .string(node) }
        try Self.atomicWrite(JSONText.encodeString(.map(entry)) + "\n", to: path + "/result.json")
    }

    /// `2026-12-02T13:30:10.123Z`.
    public static func isoText(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    /// The first reason results could not be written, if they could not.
    public var failure: String? { failureBox.withLock { $0 } }

    private func write() throws(LUTFError) {
        let yaml = resultsYAML
        try Self.atomicWrite(yaml, to: directory + "/results.yml")
        try Self.atomicWrite(junitXML, to: directory + "/junit.xml")
    }

    // MARK: results.yml

    /// `results.yml` in auster's layout (4-space TestGroup, `-` on its own line before each
    /// entry, quoted errors, whole-second durations).
    public var resultsYAML: String {
        var out = "TestGroup:\n"
        out += "    test_group: \(YAMLText.quoted(testGroup))\n"
        out += "    testhost: \(YAMLText.quoted(HostInfo.hostname))\n"
        out += "    submission: \(YAMLText.quoted(submission))\n"
        out += "    user_name: \(YAMLText.quoted(ProcessInfo.processInfo.environment["USER"] ?? Self.userName))\n"
        out += "project: LUSTRE\n"
        // auster's yml_code_review: the variable's YAML text (a blank line when it is empty).
        let review = ProcessInfo.processInfo.environment["CODE_REVIEW_YAML"] ?? ""
        out += review.hasSuffix("\n") ? review : review + "\n"
        out += "Tests:\n"
        for suite in allSuites {
            let subtests = results.filter { $0.script.suite == suite.name }
            guard !subtests.isEmpty else { continue }
            out += "-\n"
            out += "        name: \(YAMLText.quoted(suite.resultsName))\n"
            out += "        description: \(YAMLText.quoted("lutf " + suite.name))\n"
            out += "        submission: \(YAMLText.quoted(suiteStarts[suite.name] ?? submission))\n"
            out += "        report_version: 2\n"
            out += "        SubTests:\n"
            for result in subtests {
                out += "        -\n"
                out += "            name: \(YAMLText.quoted(result.script.name))\n"
                out += "            status: \(result.status.rawValue)\n"
                out += "            duration: \(Self.seconds(result))\n"
                out += "            return_code: \(result.status == .fail ? 1 : 0)\n"
                out += "            error:\(result.error.isEmpty ? "" : " " + Self.quoted(result.error))\n"
            }
            out += "        duration: \(subtests.map(Self.seconds).reduce(0, +))\n"
            out += "        status: \(Self.suiteStatus(subtests).rawValue)\n"
        }
        return out
    }

    /// The suites given at the start, then any others results came from (the shell runs what it likes).
    var allSuites: [Suite] {
        var list = suites
        for result in results where !list.contains(where: { $0.name == result.script.suite }) {
            let directory = URL(fileURLWithPath: result.script.path).deletingLastPathComponent().path
            list.append(Suite(name: result.script.suite, directory: directory, scripts: []))
        }
        return list
    }

    /// FAIL if any test failed; SKIP if every test was skipped; PASS otherwise.
    public static func suiteStatus(_ results: [TestResult]) -> TestStatus {
        if results.contains(where: { $0.status == .fail }) { return .fail }
        if !results.isEmpty && results.allSatisfy({ $0.status == .skip }) { return .skip }
        return .pass
    }

    static func seconds(_ result: TestResult) -> Int {
        result.status == .skip && !result.expectedFailure ? 0 : Int(result.duration.rounded())
    }

    /// A YAML double-quoted scalar on one line.
    static func quoted(_ text: String) -> String {
        JSONText.encodeString(.string(text))
    }

    static var userName: String {
        guard let pw = getpwuid(getuid()) else { return "unknown" }
        return String(cString: pw.pointee.pw_name)
    }

    /// `Mon May  8 15:54:41 UTC 2017`, as auster's `date` writes dates (the day padded with a
    /// blank, `%e`).
    static func dateText(_ date: Date) -> String {
        var t = time_t(date.timeIntervalSince1970)
        var parts = tm()
        localtime_r(&t, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%a %b %e %H:%M:%S %Z %Y", &parts)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    // MARK: junit.xml

    public var junitXML: String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        let failures = results.filter { $0.status == .fail }.count
        let skipped = results.filter { $0.status == .skip }.count
        let total = results.map(\.duration).reduce(0, +)
        out +=
            "<testsuites name=\"lutf\" tests=\"\(results.count)\" failures=\"\(failures)\" skipped=\"\(skipped)\" time=\"\(Self.time(total))\">\n"
        for suite in allSuites {
            let subtests = results.filter { $0.script.suite == suite.name }
            guard !subtests.isEmpty else { continue }
            out +=
                "  <testsuite name=\"\(Self.xml(suite.resultsName))\" tests=\"\(subtests.count)\" failures=\"\(subtests.filter { $0.status == .fail }.count)\" skipped=\"\(subtests.filter { $0.status == .skip }.count)\" time=\"\(Self.time(subtests.map(\.duration).reduce(0, +)))\">\n"
            for result in subtests {
                out +=
                    "    <testcase classname=\"\(Self.xml(suite.resultsName))\" name=\"\(Self.xml(result.script.name))\" time=\"\(Self.time(result.duration))\">\n"
                switch result.status {
                case .fail:
                    out +=
                        "      <failure message=\"\(Self.xml(result.error))\">\(Self.xml(result.details["traceback"]?.stringValue ?? result.error))</failure>\n"
                case .skip:
                    out += "      <skipped message=\"\(Self.xml(result.error))\"/>\n"
                case .pass:
                    break
                }
                out +=
                    "      <system-out>\(Self.xml("logs: \(result.script.suite)/\(result.script.name)/"))</system-out>\n"
                out += "    </testcase>\n"
            }
            out += "  </testsuite>\n"
        }
        out += "</testsuites>\n"
        return out
    }

    static func time(_ seconds: Double) -> String {
        String(format: "%.3f", seconds)
    }

    static func xml(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\n", "\t": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 { out += "?" } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }

    /// Writes `text` to `path` through a temporary file and a rename, so a reader sees the old
    /// file or the new one, never a part; nothing is left behind when it fails.
    ///
    /// - Throws: an `io` error naming the file and the system's reason (`No space left on device`).
    public static func atomicWrite(_ text: String, to path: String) throws(LUTFError) {
        let tmp = path + ".tmp.\(getpid())"
        let descriptor = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw LUTFError(.io, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        var bytes = Array(text.utf8)
        var written = 0
        var failure: Int32 = 0
        bytes.withUnsafeMutableBytes { buffer in
            while written < buffer.count {
                let n = Glibc.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                written += n
            }
        }
        if failure == 0 && fsync(descriptor) != 0 && errno != EINVAL { failure = errno }
        if close(descriptor) != 0 && failure == 0 { failure = errno }
        guard failure == 0, rename(tmp, path) == 0 else {
            let reason = String(cString: strerror(failure != 0 ? failure : errno))
            unlink(tmp)
            throw LUTFError(.io, "cannot write \(path): \(reason)")
        }
    }
}
