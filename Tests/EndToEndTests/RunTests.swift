import Foundation
import LUTFCore
import LUTFTesting
import Testing
import ZIPFoundation

#if canImport(Glibc)
    import Glibc
#endif

/// `lutf run` as a user runs it: the built binary, an embedded cluster, real Python.
@Suite("lutf run", .serialized, .timeLimit(.minutes(5)))
struct RunTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let fixtures = repository + "/Tests/Fixtures/suites"
    static let samples = repository + "/suites"

    /// The subtests of results.yml by name: (status, error).
    static func subtests(_ directory: String) throws -> [String: (status: String, error: String)] {
        let results = try YAMLText.decode(String(contentsOfFile: directory + "/results.yml", encoding: .utf8))
        var out: [String: (String, String)] = [:]
        for suite in results["Tests"]?.listValue ?? [] {
            for test in suite["SubTests"]?.listValue ?? [] {
                out[test["name"]?.stringValue ?? "?"] = (
                    test["status"]?.stringValue ?? "?", test["error"]?.stringValue ?? ""
                )
            }
        }
        return out
    }

    /// `lutf run ARGUMENTS` in the background, its output in the cluster's `run.log`.
    static func startRun(in cluster: TestCluster, _ arguments: [String]) async throws -> ChildProcess {
        try await cluster.supervisor.start(
            ProcessSpec(
                name: "lutf run", executable: TestSupport.binary, arguments: ["run"] + arguments,
                environment: ProcessInfo.processInfo.environment, logPath: cluster.directory + "/run.log"))
    }

    @Test("the bundled samples pass on the embedded cluster, with auster results, JUnit and a zip")
    func samples() async throws {
        let results = try TestSupport.makeTemporaryDirectory() + "/results"
        let outcome = try await TestSupport.runLUTF(["run", "--suite", "samples", "--results", results])
        #expect(outcome.status == .exited(0), "\(outcome.stdout)\n\(outcome.stderr)")
        let lines = outcome.stdout.split(separator: "\n")
        #expect(lines.first?.contains("14 tests in 1 suite on an embedded cluster (mds1, oss1, client1)") == true)
        #expect(lines.filter { $0.hasPrefix("[") && $0.contains("/14] samples/sample_") }.count == 14)
        #expect(lines.last?.hasPrefix("14 tests: 11 passed, 0 failed, 2 skipped, 1 expected failure") == true)

        let subtests = try Self.subtests(results)
        #expect(subtests.count == 14)
        for (name, result) in subtests {
            switch name {
            case "test_sample_04":
                #expect(result.status == "SKIP")
                #expect(result.error == "needs 64 agents, the cluster has 3 (client1, mds1, oss1)")
            case "test_sample_05":
                #expect(result.status == "SKIP")
                #expect(result.error == "expected failure: AssertionError: arithmetic still works")
            case "test_sample_12":
                #expect(result.status == "SKIP")
                #expect(result.error == "skip list")
            default:
                #expect(result.status == "PASS", "\(name): \(result.error)")
            }
        }
        let yaml = try String(contentsOfFile: results + "/results.yml", encoding: .utf8)
        #expect(yaml.hasPrefix("TestGroup:\n    test_group: lutf\n"))
        #expect(yaml.contains("\nproject: LUSTRE\n\nTests:\n-\n        name: lutf-samples\n"))
        #expect(yaml.contains("        status: PASS\n"))
        let junit = try String(contentsOfFile: results + "/junit.xml", encoding: .utf8)
        #expect(junit.contains("<testsuite name=\"lutf-samples\" tests=\"14\" failures=\"0\" skipped=\"3\""))
        let archive = try Archive(url: URL(fileURLWithPath: results + "/results.zip"), accessMode: .read)
        let entries = Set(archive.map(\.path))
        #expect(entries.contains("results/results.yml"))
        #expect(entries.contains("results/samples/test_sample_02/rpc.log"))
        #expect(entries.contains("results/nodes/oss1.log"))
        let rpc = try String(contentsOfFile: results + "/samples/test_sample_02/rpc.log", encoding: .utf8)
        #expect(rpc.contains("master -> oss1 NodeProbe.describe(): ok in"), "\(rpc)")
    }

    @Test(
        "the next test's Python process starts while a test runs and is the one that runs it; one not run (--fail-fast) goes, with its directory"
    )
    func prewarmed() async throws {
        let results = try TestSupport.makeTemporaryDirectory() + "/results"
        let marker = try TestSupport.makeTemporaryDirectory() + "/m"
        let outcome = try await TestSupport.runLUTF([
            "run", Self.fixtures + "/suite_prewarm", "--results", results, "--param", "marker=\(marker)", "--fail-fast",
        ])
        #expect(outcome.status == .exited(1), "\(outcome.stdout)\n\(outcome.stderr)")
        let subtests = try Self.subtests(results)
        #expect(subtests["test_01_next_waits"]?.status == "PASS", "\(subtests["test_01_next_waits"]?.error ?? "-")")
        #expect(subtests["test_02_fails"]?.error.contains("failing on purpose") == true, "\(subtests)")
        #expect(subtests["test_03_not_run"] == nil)
        func pids(_ suffix: String) throws -> [Int32] {
            try String(contentsOfFile: marker + suffix, encoding: .utf8).split(whereSeparator: \.isWhitespace)
                .compactMap { Int32($0) }
        }
        let (seenByFirst, second) = (try pids(".1"), try pids(".2"))
        try #require(seenByFirst.count == 1 && second.count == 2)
        #expect(seenByFirst[0] == second[0], "test 02 ran in another process than the one started during test 01")
        let abandoned = second[1]
        try await TestSupport.waitUntil("pid \(abandoned) (test 03's host) to be gone", within: 5) {
            kill(abandoned, 0) != 0 && errno == ESRCH
        }
        #expect(!FileManager.default.fileExists(atPath: results + "/prewarm/test_03_not_run"))
    }

    @Test("every way a script can go wrong is that test's FAIL with a clear error, and the run goes on")
    func failures() async throws {
        let results = try TestSupport.makeTemporaryDirectory() + "/results"
        let marker = try TestSupport.makeTemporaryDirectory() + "/m"
        let outcome = try await TestSupport.runLUTF([
            "run", Self.fixtures + "/suite_failures", "--results", results, "--param", "marker=\(marker)",
            "--param", "n=5", "--param", "flag=true", "--param", "name=x y",
        ])
        #expect(outcome.status == .exited(1), "\(outcome.stdout)\n\(outcome.stderr)")
        let subtests = try Self.subtests(results)
        let expected: [String: String] = [
            "test_syntax": "cannot import test_syntax.py: SyntaxError:",
            "test_import":
                "cannot import test_import.py: ModuleNotFoundError: No module named 'no_such_module_for_lutf'",
            "test_wrong_type":
                "run() returned 42 (int); return None, lutf.PASS, lutf.FAIL or a dict with a 'status' key",
            "test_bad_status": "run() returned status 'MAYBE'; it must be PASS, FAIL or SKIP",
            "test_exits": "the script's Python process ended (exit status 3) without reporting a result",
            "test_fail_constant": "run() returned lutf.FAIL",
            "test_bare_assert": "AssertionError at test_bare_assert.py:3: assert x == 3",
            "test_remote_uncaught": "KeyError on mds1: 'missing-nid'",
            "test_timeout": "timed out after 3 s",
        ]
        for (name, fragment) in expected {
            #expect(subtests[name]?.status == "FAIL", "\(name): \(String(describing: subtests[name]))")
            #expect(subtests[name]?.error.contains(fragment) == true, "\(name): \(subtests[name]?.error ?? "-")")
        }
        #expect(subtests["test_params"]?.status == "PASS", "\(subtests["test_params"]?.error ?? "")")
        // The remote call's output and traceback are in the test's logs.
        let rpc = try String(contentsOfFile: results + "/failures/test_remote_uncaught/rpc.log", encoding: .utf8)
        #expect(rpc.contains("about to fail on mds1"))
        #expect(rpc.contains("raise KeyError(\"missing-nid\")"))
        // Nothing of the timed-out test is left running: not its process, not its remote call.
        for suffix in [".host", ".worker"] {
            let pid = try Int32(String(contentsOfFile: marker + suffix, encoding: .utf8))!
            try await TestSupport.waitUntil("pid \(pid) (\(suffix)) to be gone", within: 5) {
                kill(pid, 0) != 0 && errno == ESRCH
            }
        }
    }

    @Test("a failing lutf_clean_setup() fails the script without running it; --no-clean skips it")
    func setupFailure() async throws {
        let results = try TestSupport.makeTemporaryDirectory() + "/results"
        let outcome = try await TestSupport.runLUTF([
            "run", Self.fixtures + "/suite_badsetup", "--results", results, "--agents", "1",
        ])
        #expect(outcome.status == .exited(1))
        #expect(
            try Self.subtests(results)["test_never_runs"]?.error
                == "setup failed: RuntimeError: cannot reach the switch")
        let noClean = try await TestSupport.runLUTF([
            "run", Self.fixtures + "/suite_badsetup", "--results", results, "--agents", "1", "--no-clean",
        ])
        #expect(noClean.status == .exited(1))
        #expect(
            try Self.subtests(results)["test_never_runs"]?.error == "AssertionError: must not run after a failed setup")
    }

    @Test("selection: --suite, --only, --except, --pattern, auster's variables, and unknown names")
    func selection() async throws {
        let results = try TestSupport.makeTemporaryDirectory() + "/results"
        func names(_ arguments: [String], environment: [String: String] = [:]) async throws -> Set<String> {
            let outcome = try await TestSupport.runLUTF(
                ["run", "--results", results, "--agents", "1"] + arguments,
                environment: ["SUITE": "samples"].merging(environment) { _, new in new })
            #expect(outcome.status == .exited(0), "\(outcome.stdout)\n\(outcome.stderr)")
            return Set(try Self.subtests(results).keys)
        }
        #expect(try await names(["--only", "sample_01,test_sample_10"]) == ["test_sample_01", "test_sample_10"])
        #expect(try await names(["--pattern", "sample_0[18]"]) == ["test_sample_01", "test_sample_08"])
        #expect(
            try await names([], environment: ["ONLY": "sample_01 sample_09", "SUITE": "samples"]) == [
                "test_sample_01", "test_sample_09",
            ])
        // As a bash suite under auster: an excluded test is reported SKIP, unless --only names
        // the tests to run.
        let excepted = try await names(["--except", "sample_07,sample_06,sample_02,sample_03,sample_13"])
        #expect(excepted.count == 14)
        let recorded = try Self.subtests(results)
        #expect(recorded["test_sample_07"]?.status == "SKIP")
        #expect(recorded["test_sample_07"]?.error == "skipping excluded test sample_07")
        #expect(recorded["test_sample_08"]?.status == "PASS")
        #expect(try await names(["--only", "sample_01,sample_02", "--except", "sample_02"]) == ["test_sample_01"])

        let unknownSuite = try await TestSupport.runLUTF(["run", "--suite", "dlcx", "--results", results])
        #expect(unknownSuite.status == .exited(2))
        #expect(
            unknownSuite.stderr.hasPrefix("lutf run: unknown suite 'dlcx' (suites: dlc, "), "\(unknownSuite.stderr)")
        #expect(unknownSuite.stderr.contains(", samples, "))
        let unknownTest = try await TestSupport.runLUTF([
            "run", "--suite", "samples", "--only", "sample_99", "--results", results,
        ])
        #expect(unknownTest.status == .exited(2))
        #expect(
            unknownTest.stderr.hasPrefix(
                "lutf run: --only: unknown test 'sample_99' (tests: samples: sample_01 sample_02"))
        let missingPath = try await TestSupport.runLUTF(["run", "/nonexistent/suites", "--results", results])
        #expect(missingPath.status == .exited(2))
        #expect(missingPath.stderr == "lutf run: /nonexistent/suites: no such file or directory\n")
    }

    @Test("lutf list shows suites and scripts with skip-list and expected-failure marks")
    func list() async throws {
        let outcome = try await TestSupport.runLUTF(["list"])
        #expect(outcome.status == .exited(0))
        #expect(
            outcome.stdout.contains("\nsamples  \(Self.samples)/suite_samples  14 scripts (callbacks.py, skip.py)\n"))
        #expect(outcome.stdout.hasPrefix("dlc  \(Self.samples)/suite_dlc  "), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("  sample_05  expected failure\n"))
        #expect(outcome.stdout.contains("  sample_12  skip list\n"))
    }

    @Test("a worker that dies and an agent killed mid-call fail only their test; the others go on")
    func deaths() async throws {
        try await withTestCluster { cluster in
            let results = cluster.directory + "/results"
            let marker = cluster.directory + "/m"
            let run = try await Self.startRun(
                in: cluster,
                [Self.fixtures + "/suite_lifecycle", "--results", results, "--param", "marker=\(marker)"])
            try await TestSupport.waitUntil("the agent's pid", within: 30) {
                FileManager.default.fileExists(atPath: marker + ".agent")
            }
            let agentPID = try Int32(String(contentsOfFile: marker + ".agent", encoding: .utf8))!
            let killed = Monotonic.nanoseconds()
            kill(agentPID, SIGKILL)
            let status = try await run.waitForExit()
            #expect(status == .exited(1), "\(run.log)")
            let subtests = try Self.subtests(results)
            #expect(subtests["test_a_worker_dies"]?.status == "PASS", "\(subtests["test_a_worker_dies"]?.error ?? "")")
            let died = subtests["test_b_agent_dies"]
            #expect(died?.status == "FAIL")
            #expect(died?.error.contains("agent 'client1' died") == true, "\(died?.error ?? "")")
            #expect(subtests["test_c_still_runs"]?.status == "PASS", "\(subtests["test_c_still_runs"]?.error ?? "")")
            #expect(subtests["test_d_blocks"]?.status == "PASS")
            let line = run.log.split(separator: "\n").first { $0.contains("b_agent_dies") }
            #expect(line?.contains("FAIL") == true)
            #expect(Monotonic.secondsSince(killed) < 30)
        }
    }

    @Test("killing lutf run mid-test leaves valid results with the finished tests, and nothing running")
    func killedRun() async throws {
        try await withTestCluster { cluster in
            let results = cluster.directory + "/results"
            let marker = cluster.directory + "/m"
            let run = try await Self.startRun(
                in: cluster,
                [
                    Self.samples + "/suite_samples/test_sample_01.py",
                    Self.fixtures + "/suite_lifecycle/test_d_blocks.py",
                    "--results", results, "--param", "marker=\(marker)", "--param", "block=true",
                ])
            try await TestSupport.waitUntil("the blocking test to start", within: 30) {
                FileManager.default.fileExists(atPath: marker + ".blocked")
            }
            let runID = run.log.split(separator: " ").dropFirst(2).first.map { String($0.dropLast()) } ?? "?"
            try await run.signal(SIGKILL)
            _ = try await run.waitForExit()
            let subtests = try Self.subtests(results)
            #expect(subtests["test_sample_01"]?.status == "PASS")
            #expect(subtests["test_d_blocks"] == nil)
            let hostPID = try Int32(String(contentsOfFile: marker + ".blocked", encoding: .utf8))!
            try await TestSupport.waitUntil("the orphaned test process to exit", within: 5) {
                kill(hostPID, 0) != 0 && errno == ESRCH
            }
            try await TestSupport.waitUntil("the embedded agents of run \(runID) to exit", within: 10) {
                let outcome = try await TestSupport.runLUTF(["-f", "lutf-run-\(runID)"], executable: "/usr/bin/pgrep")
                return outcome.status == .exited(1)
            }
        }
    }
}
