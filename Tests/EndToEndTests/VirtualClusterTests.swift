import Foundation
import LUTFCore
import LUTFTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Many nodes in step on a virtual cluster: network namespaces with sshd, agents started over
/// ssh by `lutf launch`, as on real hosts. Needs root (CI runs as root).
@Suite(
    "virtual cluster: launch over ssh, barriers, evidence, auster", .serialized, .enabled(if: geteuid() == 0),
    .timeLimit(.minutes(5)))
struct VirtualClusterTests {
    static let fixtures = RunTests.fixtures

    /// Runs `body` with a 3-node virtual cluster named `name` up, and takes it down after.
    func withVirtualCluster<T: Sendable>(
        _ name: String, base: Int, nodes: Int = 3, _ body: @Sendable (String) async throws -> T
    ) async throws -> T {
        _ = try await TestSupport.runLUTF(["cluster", "down", "--name", name])
        let up = try await TestSupport.runLUTF([
            "cluster", "up", "--name", name, "--nodes", "\(nodes)", "--subnet-base", "\(base)", "--port",
            "\(18_000 + base)",
        ])
        try #require(up.status == .exited(0), "lutf cluster up: \(up.stderr)")
        let file = "/run/lutf-cluster-\(name)/cluster.yaml"
        do {
            let result = try await body(file)
            _ = try await TestSupport.runLUTF(["cluster", "down", "--name", name])
            return result
        } catch {
            _ = try await TestSupport.runLUTF(["cluster", "down", "--name", name])
            throw error
        }
    }

    @Test("a 3-node cluster launched over ssh runs events, a barrier and asynchronous events")
    func multiNodeSuite() async throws {
        try await withVirtualCluster("va", base: 131) { file in
            let results = try TestSupport.makeTemporaryDirectory() + "/results"
            let outcome = try await TestSupport.runLUTF([
                "launch", "--cluster", file, "--", Self.fixtures + "/suite_sync", "--except", "barrier_death",
                "--results",
                results,
            ])
            #expect(outcome.status == .exited(0), "\(outcome.stdout)\n\(outcome.stderr)")
            let subtests = try RunTests.subtests(results)
            for name in ["test_event_ping", "test_barrier", "test_events_async"] {
                #expect(subtests[name]?.status == "PASS", "\(name): \(subtests[name]?.error ?? "missing")")
            }
            // The agents ran inside the namespaces: their NIDs are the namespaces' real addresses.
            let rpc = try String(contentsOfFile: results + "/sync/test_event_ping/rpc.log", encoding: .utf8)
            #expect(rpc.contains("Side.configure_and_signal(): ok"), "\(rpc)")
            let log = try String(contentsOfFile: results + "/nodes/oss1.log", encoding: .utf8)
            #expect(log.contains("registered with master 10.131.0.254"), "\(log)")
        }
    }

    @Test("kill -9 of an agent breaks a barrier for the two waiting within 4 s, naming it")
    func barrierBrokenByDeath() async throws {
        try await withVirtualCluster("vb", base: 132) { file in
            let directory = try TestSupport.makeTemporaryDirectory()
            let marker = directory + "/m"
            try await withTestCluster { cluster in
                let run = try await cluster.supervisor.start(
                    ProcessSpec(
                        name: "lutf launch", executable: TestSupport.binary,
                        arguments: [
                            "launch", "--cluster", file, "--", Self.fixtures + "/suite_sync", "--only", "barrier_death",
                            "--results", directory + "/results", "--param", "marker=\(marker)",
                        ], environment: ProcessInfo.processInfo.environment, logPath: directory + "/launch.log"))
                try await TestSupport.waitUntil("the two agents to reach the barrier", within: 60) {
                    if let status = run.exitStatus { throw LUTFError(.failure, "launch ended (\(status)): \(run.log)") }
                    let files = try FileManager.default.contentsOfDirectory(atPath: directory)
                    return files.filter { $0.hasPrefix("m.arrived.") }.count == 2
                }
                let victim = try Int32(String(contentsOfFile: marker + ".victim", encoding: .utf8))!
                let killed = Date().timeIntervalSince1970
                kill(victim, SIGKILL)
                let status = try await run.waitForExit()
                let subtests = try RunTests.subtests(directory + "/results")
                let result = subtests["test_barrier_death"]
                // The script passed only if both waiters got BarrierBroken naming the victim; the
                // test is then FAIL because an agent it used died, and says so.
                #expect(
                    result?.error.contains("died during the test") == true, "\(String(describing: result)) \(run.log)")
                #expect(status == .exited(1))
                let broken = try String(contentsOfFile: marker + ".broken", encoding: .utf8)
                    .split(separator: "\n").compactMap { Double($0) }
                #expect(broken.count == 2, "\(broken)")
                for time in broken { #expect(time - killed < 4, "broken \(time - killed) s after the kill") }
            }
        }
    }

    @Test("a failing multi-node test leaves evidence from all 3 nodes")
    func evidence() async throws {
        try await withVirtualCluster("vc", base: 133) { file in
            let results = try TestSupport.makeTemporaryDirectory() + "/results"
            let outcome = try await TestSupport.runLUTF([
                "launch", "--cluster", file, "--", Self.fixtures + "/suite_evidence", "--results", results,
            ])
            #expect(outcome.status == .exited(1))
            let test = results + "/evidence/test_fails_everywhere"
            let summary = try String(contentsOfFile: test + "/evidence.txt", encoding: .utf8)
            for node in ["mds1", "oss1", "client1"] {
                #expect(summary.contains("\(node): 7 files"), "\(summary)")
                for file in [
                    "lctl-dk.log", "lnetctl-export.yaml", "stats.yaml", "peers.yaml", "kernel.log", "agent.log",
                    "crash-dumps.txt",
                ] {
                    #expect(FileManager.default.fileExists(atPath: "\(test)/\(node)/\(file)"), "\(node)/\(file)")
                }
                let export = try String(contentsOfFile: "\(test)/\(node)/lnetctl-export.yaml", encoding: .utf8)
                #expect(export.contains("net type: tcp"), "\(node): \(export)")
            }
            let dk = try String(contentsOfFile: "\(test)/mds1/lctl-dk.log", encoding: .utf8)
            #expect(dk.contains("Added LNI 10.133.0.1@tcp"), "\(dk)")
        }
    }

    /// What auster has written to results.yml when a suite starts (yaml.sh's header, then
    /// `log_test`'s open entry), after an earlier suite.
    static let austerBefore = """
        TestGroup:
            test_group: acc-sm-here
            testhost: here
            submission: Mon Dec  1 15:04:05 UTC 2025
            user_name: root
        project: LUSTRE

        Tests:
        -
                name: sanity-lnet
                description: auster sanity-lnet
                submission: Mon Dec  1 15:04:05 UTC 2025
                report_version: 2
                SubTests:
                -
                    name: test_100
                    status: PASS
                    duration: 1
                    return_code: 0
                    error:
                duration: 1
                status: PASS
        -
                name: lutf
                description: auster lutf
                submission: Mon Dec  1 15:05:00 UTC 2025
                report_version: 2
                SubTests:

        """

    @Test(
        "under auster, lutf.sh appends LUTF's subtests to auster's own lutf entry; auster's close makes valid YAML; PASS, SKIP and FAIL as auster decides"
    )
    func auster() async throws {
        try await withVirtualCluster("vd", base: 134) { _ in
            let state = "/run/lutf-cluster-vd"
            for (what, environment, expected) in [
                ("all pass", ["ONLY": "event_ping,barrier"], "PASS"),
                ("all skip", ["ONLY": "sample_04", "LUTF_SUITES": RunTests.samples], "SKIP"),
                (
                    "a failure", ["ONLY": "bare_assert", "LUTF_SUITES": RunTests.fixtures + "/suite_failures"],
                    "FAIL"
                ),
            ] {
                let logdir = try TestSupport.makeTemporaryDirectory() + "/logdir"
                try FileManager.default.createDirectory(atPath: logdir, withIntermediateDirectories: true)
                let yamlLog = logdir + "/results.yml"
                try Self.austerBefore.write(toFile: yamlLog, atomically: true, encoding: .utf8)
                let skipMarker = logdir + "/tf.skip"
                _ = FileManager.default.createFile(atPath: skipMarker, contents: nil)
                var env = [
                    "LUTF": TestSupport.binary, "LOGDIR": logdir, "YAML_LOG": yamlLog, "TF_SKIP": skipMarker,
                    "mds_HOST": "10.134.0.1", "ost_HOST": "10.134.0.2", "CLIENTS": "10.134.0.3",
                    "MASTER_ADDRESS": "10.134.0.254:\(18_000 + 134)", "LUTF_SSH_USER": "root",
                    "LUTF_SSH_IDENTITY": state + "/id_ed25519",
                    "LUTF_SSH_OPTIONS": "StrictHostKeyChecking=no UserKnownHostsFile=/dev/null LogLevel=ERROR",
                    "LUTF_LNET": "simulated", "LUTF_SIM_FABRIC": state + "/fabric",
                    "LUTF_SUITES": Self.fixtures + "/suite_sync", "FAIL_ON_ERROR": "false",
                ]
                for (k, v) in environment { env[k] = v }
                let started = Date()
                let outcome = try await TestSupport.runLUTF(
                    [], environment: env, executable: RunTests.repository + "/scripts/lutf.sh")
                // What auster's run_suite does after the suite: its status from the exit status
                // and the skip marker, then yaml.sh's close of the entry.
                let status =
                    outcome.status != .exited(0)
                    ? "FAIL" : FileManager.default.fileExists(atPath: skipMarker) ? "SKIP" : "PASS"
                try AusterReportProbe.append(
                    "        duration: \(Int(Date().timeIntervalSince(started)))\n        status: \(status)\n",
                    to: yamlLog)
                #expect(status == expected, "\(what): \(outcome.stdout)\n\(outcome.stderr)")

                let yaml = try String(contentsOfFile: yamlLog, encoding: .utf8)
                #expect(yaml.hasPrefix(Self.austerBefore), "\(what): auster's part was not kept:\n\(yaml)")
                let parsed = try YAMLText.decode(yaml)
                let suites = parsed["Tests"]?.listValue ?? []
                #expect(suites.map { $0["name"]?.stringValue } == ["sanity-lnet", "lutf"], "\(what): \(yaml)")
                let lutf = suites.last
                #expect(lutf?["status"]?.stringValue == expected, "\(what): \(yaml)")
                #expect(lutf?.mapValue?.keys.filter { $0 == "status" }.count == 1)
                let subtests = lutf?["SubTests"]?.listValue ?? []
                switch expected {
                case "PASS":
                    #expect(
                        subtests.compactMap { $0["name"]?.stringValue } == [
                            "test_sync_barrier", "test_sync_event_ping",
                        ])
                    #expect(subtests.allSatisfy { $0["status"]?.stringValue == "PASS" }, "\(yaml)")
                    let files = try FileManager.default.contentsOfDirectory(atPath: logdir)
                    let host = HostInfo.hostname.split(separator: ".").first.map(String.init) ?? ""
                    #expect(files.contains("lutf.test_sync_barrier.test_log.\(host).log"), "\(files)")
                    #expect(!files.contains { $0.contains("suite_log") }, "auster writes the suite log, not LUTF")
                    #expect(outcome.stdout.contains("mds1=10.134.0.1 (MDS MGS"), "\(outcome.stdout)")
                case "SKIP":
                    #expect(subtests.map { $0["status"]?.stringValue } == ["SKIP"], "\(yaml)")
                default:
                    #expect(subtests.map { $0["status"]?.stringValue } == ["FAIL"], "\(yaml)")
                    #expect(subtests.first?["return_code"]?.intValue == 1)
                }
            }
        }
    }

    @Test("--push copies lutf and the suites; pdsh launches with a shared key; an unreachable host is named")
    func pushAndFailure() async throws {
        try await withVirtualCluster("ve", base: 135) { file in
            let results = try TestSupport.makeTemporaryDirectory() + "/results"
            let pushed = try await TestSupport.runLUTF([
                "launch", "--cluster", file, "--push", "--", Self.fixtures + "/suite_sync", "--only", "event_ping",
                "--results", results,
            ])
            #expect(pushed.status == .exited(0), "\(pushed.stdout)\n\(pushed.stderr)")

            // pdsh does not forward standard input: it needs a key file the hosts share, and no --push.
            let key = try TestSupport.makeTemporaryDirectory() + "/cluster.key"
            #expect(try await TestSupport.runLUTF(["keygen", key]).status == .exited(0))
            let viaPdsh = try await TestSupport.runLUTF([
                "launch", "--cluster", file, "--via", "pdsh", "--key", key, "--", Self.fixtures + "/suite_sync",
                "--only", "event_ping", "--results", results + "-pdsh",
            ])
            #expect(viaPdsh.status == .exited(0), "\(viaPdsh.stdout)\n\(viaPdsh.stderr)")
            #expect(try RunTests.subtests(results + "-pdsh")["test_event_ping"]?.status == "PASS")
            let throwaway = try await TestSupport.runLUTF([
                "launch", "--cluster", file, "--via", "pdsh", "--", "--only", "x",
            ])
            #expect(throwaway.status == .exited(2))
            #expect(throwaway.stderr.contains("via pdsh needs a cluster key file"), "\(throwaway.stderr)")
            let pdshPush = try await TestSupport.runLUTF([
                "launch", "--cluster", file, "--via", "pdsh", "--key", key, "--push", "--", "--only", "x",
            ])
            #expect(pdshPush.status == .exited(2))
            #expect(pdshPush.stderr.contains("--push needs ssh"), "\(pdshPush.stderr)")
            let bad = try String(contentsOfFile: file, encoding: .utf8).replacingOccurrences(
                of: "host: 10.135.0.3", with: "host: 10.135.0.99")
            let badFile = try TestSupport.makeTemporaryDirectory() + "/bad.yaml"
            try bad.write(toFile: badFile, atomically: true, encoding: .utf8)
            let failed = try await TestSupport.runLUTF([
                "launch", "--cluster", badFile, "--", Self.fixtures + "/suite_sync", "--only", "event_ping",
                "--results",
                results, "--join-timeout", "20",
            ])
            #expect(failed.status == .exited(2))
            #expect(failed.stderr.contains("agents did not join"), "\(failed.stderr)")
            #expect(failed.stderr.contains("client1 (exited with exit status 255"), "\(failed.stderr)")
            #expect(failed.stderr.contains("10.135.0.99"), "\(failed.stderr)")
        }
    }
}

/// Appending to a file as auster's shell does (`>>`).
enum AusterReportProbe {
    static func append(_ text: String, to path: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }
}
