import Foundation
import LUTFCore
import LUTFTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Many nodes in step on a virtual cluster: network namespaces with sshd, agents started over
/// ssh by `lutf launch`, as on real hosts. Needs root (CI runs as root).
@Suite("virtual cluster: launch over ssh, barriers, evidence, auster", .serialized, .enabled(if: geteuid() == 0))
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

    @Test("scripts/lutf.sh with auster's variables writes results.yml with every test into $LOGDIR")
    func auster() async throws {
        try await withVirtualCluster("vd", base: 134) { _ in
            let logdir = try TestSupport.makeTemporaryDirectory() + "/logdir"
            try FileManager.default.createDirectory(atPath: logdir, withIntermediateDirectories: true)
            // auster has already written the header and `Tests:` with an earlier suite.
            let header =
                "TestGroup:\n    test_group: review\n    testhost: here\nTests:\n-\n        name: sanity-lnet\n        status: PASS\n"
            try header.write(toFile: logdir + "/results.yml", atomically: true, encoding: .utf8)
            let state = "/run/lutf-cluster-vd"
            let outcome = try await TestSupport.runLUTF(
                [Self.fixtures + "/suite_sync"],
                environment: [
                    "LUTF": TestSupport.binary, "LOGDIR": logdir, "mds1_HOST": "10.134.0.1", "ost1_HOST": "10.134.0.2",
                    "CLIENTS": "10.134.0.3", "MASTER_ADDRESS": "10.134.0.254:\(18_000 + 134)", "LUTF_SSH_USER": "root",
                    "LUTF_SSH_IDENTITY": state + "/id_ed25519",
                    "LUTF_SSH_OPTIONS": "StrictHostKeyChecking=no UserKnownHostsFile=/dev/null LogLevel=ERROR",
                    "LUTF_LNET": "simulated", "LUTF_SIM_FABRIC": state + "/fabric", "EXCEPT": "barrier_death",
                ], executable: RunTests.repository + "/scripts/lutf.sh")
            #expect(outcome.status == .exited(0), "\(outcome.stdout)\n\(outcome.stderr)")
            #expect(outcome.stdout.contains("(mds1_HOST, ost1_HOST, CLIENTS)"), "\(outcome.stdout)")
            let yaml = try String(contentsOfFile: logdir + "/results.yml", encoding: .utf8)
            #expect(yaml.hasPrefix(header), "auster's part was not kept:\n\(yaml)")
            let parsed = try YAMLText.decode(yaml)
            let suites = parsed["Tests"]?.listValue ?? []
            #expect(suites.map { $0["name"]?.stringValue } == ["sanity-lnet", "lutf-sync"])
            let names = Set((suites.last?["SubTests"]?.listValue ?? []).compactMap { $0["name"]?.stringValue })
            #expect(names == ["test_event_ping", "test_barrier", "test_events_async"], "\(names)")
            let files = try FileManager.default.contentsOfDirectory(atPath: logdir)
            #expect(files.contains("lutf.suite_log.\(HostInfo.hostname).log"))
            #expect(files.contains("lutf-sync.test_barrier.test_log.\(HostInfo.hostname).log"), "\(files)")
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
