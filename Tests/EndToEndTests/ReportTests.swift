import Foundation
import LUTFCore
import LUTFTesting
import Subprocess
import SystemPackage
import Testing

/// The report a run writes, as a person sees it: headless Chromium draws report.html and the
/// DOM is checked (Tests/Report/check_report.py), and a screenshot is kept for a person to look at.
@Suite("report.html", .serialized, .timeLimit(.minutes(5)))
struct ReportTests {
    static let checker = RunTests.repository + "/Tests/Report/check_report.py"

    static var chromium: String? {
        ["chromium", "chromium-browser", "google-chrome"].lazy.compactMap { Command.find($0) }.first
    }

    /// Runs check_report.py on `page` with `spec`; returns its exit status and what it said.
    static func check(_ page: String, spec: String, screenshot: String? = nil) async throws -> (Int32, String) {
        let python = try await PythonRuntime.locate().interpreter
        var arguments = [checker, page, "--spec", spec]
        if let screenshot { arguments += ["--screenshot", screenshot] }
        let result = try await Subprocess.run(
            .path(FilePath(python)), arguments: Arguments(arguments), output: .string(limit: 1 << 20),
            error: .string(limit: 1 << 20))
        let code: Int32
        switch result.terminationStatus {
        case .exited(let status): code = status
        case .signaled(let signal): code = 128 + signal
        }
        return (code, result.standardOutput + result.standardError)
    }

    @Test(
        "a run with a failure, a skip and a barrier across 3 nodes: totals, traceback, lanes and bars in Chromium",
        .timeLimit(.minutes(3)))
    func reportInChromium() async throws {
        try #require(Self.chromium != nil, "no chromium on PATH: scripts/setup installs Debian's chromium")
        let results = try TestSupport.makeTemporaryDirectory() + "/results"
        let run = try await TestSupport.runLUTF([
            "run", "--agents", "3", RunTests.fixtures + "/suite_report", "--results", results,
        ])
        #expect(run.status == .exited(1), "\(run.stdout)\n\(run.stderr)")
        let page = results + "/report.html"
        let size = (try FileManager.default.attributesOfItem(atPath: page)[.size] as? Int) ?? 0
        #expect(size > 0 && size < 2_000_000, "report.html is \(size) bytes")
        // The page is in results.zip too.
        let listing = try await Subprocess.run(
            .name("python3"), arguments: ["-m", "zipfile", "-l", results + "/results.zip"],
            output: .string(limit: 1 << 20), error: .discarded)
        #expect(listing.standardOutput.contains("report.html"), "\(listing.standardOutput)")

        let spec = """
            {"state": "ok", "verdict": "FAILED", "totals": {"PASS": 1, "FAIL": 1, "SKIP": 1},
             "test_count": 3, "nodes": ["mds1", "oss1", "client1"], "failures_first": true,
             "tests": {
               "report/02_failure": {"status": "FAIL",
                 "error": ["peer ni already on another peer"],
                 "traceback": ["ValueError", "raise ValueError"],
                 "output": ["<script>alert('printed by the test')</script>"]},
               "report/03_skip": {"status": "SKIP", "text": ["needs an o2ib fabric"]},
               "report/01_barrier": {"status": "PASS",
                 "lanes": ["script", "mds1", "oss1", "client1"],
                 "min_bars": {"mds1": 2, "oss1": 2, "client1": 2},
                 "lane_marks": {"mds1": {"barrier_arrive": 1}, "oss1": {"barrier_arrive": 1},
                                "client1": {"barrier_arrive": 1}, "script": {"barrier_arrive": 1}}}
             }}
            """
        let screenshot = results + "/report.png"
        let (code, said) = try await Self.check(page, spec: spec, screenshot: screenshot)
        #expect(code == 0, "check_report.py: \(said)")
        #expect(FileManager.default.fileExists(atPath: screenshot), "no screenshot at \(screenshot)")
        print("report of the test run: \(page); screenshot: \(screenshot)")
    }

    @Test(
        "lutf report rebuilds the page from a directory; what is missing is said on the page", .timeLimit(.minutes(2)))
    func rebuildFromDirectory() async throws {
        let results = try TestSupport.makeTemporaryDirectory() + "/results"
        let run = try await TestSupport.runLUTF([
            "run", "--agents", "3", RunTests.fixtures + "/suite_report", "--only", "03_skip", "--results", results,
        ])
        #expect(run.status == .exited(0), "\(run.stdout)\n\(run.stderr)")
        try FileManager.default.removeItem(atPath: results + "/report.html")
        // A truncated results.yml and output that is not UTF-8 do not stop the page.
        try "Tests:\n- name: lutf-rep".write(toFile: results + "/results.yml", atomically: true, encoding: .utf8)
        try Data([0xff, 0xfe, 0x3c, 0x62, 0x3e]).write(
            to: URL(fileURLWithPath: results + "/report/test_03_skip/output.log"))
        try FileManager.default.removeItem(atPath: results + "/run.json")
        let rebuilt = try await TestSupport.runLUTF(["report", results])
        #expect(rebuilt.status == .exited(0), "\(rebuilt.stdout)\n\(rebuilt.stderr)")
        #expect(rebuilt.stdout.contains("report.html: "), "\(rebuilt.stdout)")
        let html = try String(contentsOfFile: results + "/report.html", encoding: .utf8)
        #expect(html.contains("run.json is missing"), "the page does not say run.json is missing")
        #expect(html.contains("\\u003cb>"), "the test's '<b>' is not in the page's data, escaped")

        let missing = try await TestSupport.runLUTF(["report", results + "/nope"])
        #expect(missing.status == .exited(2), "\(missing.stderr)")
        #expect(missing.stderr.contains("no such results directory"), "\(missing.stderr)")
    }
}
