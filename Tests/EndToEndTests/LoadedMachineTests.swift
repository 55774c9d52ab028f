import Foundation
import LUTFCore
import LUTFTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What a loaded machine must not break. These tests keep both cores busy on purpose, so
/// `scripts/test` runs them in a lane of their own, after the others: run beside them, they would
/// starve tests that have deadlines of their own.
@Suite("on a loaded machine", .serialized, .timeLimit(.minutes(5)))
struct LoadedMachineTests {
    @Test(
        "a master moving 15 MiB values and paused 5 s (SIGSTOP) on a loaded machine loses no agent; the test passes",
        .timeLimit(.minutes(5)))
    func pausedMaster() async throws {
        try await withTestCluster { cluster in
            // Both cores busy for the whole test.
            for i in 1...2 {
                _ = try await cluster.supervisor.start(
                    ProcessSpec(
                        name: "load\(i)", executable: "/bin/sh", arguments: ["-c", "exec yes > /dev/null"],
                        environment: [:]))
            }
            let results = cluster.directory + "/results"
            let marker = cluster.directory + "/heavy"
            let run = try await RunTests.startRun(
                in: cluster,
                [RunTests.fixtures + "/suite_liveness", "--results", results, "--param", "marker=\(marker)"])
            try await TestSupport.waitUntil("the heavy calls to be under way", within: 120) {
                FileManager.default.fileExists(atPath: marker) || run.exitStatus != nil
            }
            try #require(run.exitStatus == nil, "the run ended before its heavy calls: \(run.log)")
            try await run.signal(SIGSTOP)
            try await Task.sleep(for: .seconds(5))  // the pause under test
            try await run.signal(SIGCONT)
            let status = try await run.waitForExit()
            #expect(status == .exited(0), "\(run.log)")
            let subtests = try RunTests.subtests(results)
            #expect(subtests["test_01_heavy"]?.status == "PASS", "\(subtests["test_01_heavy"]?.error ?? "")")
            let timeline =
                (try? String(contentsOfFile: results + "/liveness/test_01_heavy/timeline.jsonl", encoding: .utf8)) ?? ""
            #expect(!timeline.contains("agent_death"), "\(timeline)")
            #expect(!run.log.contains("dead") && !run.log.contains("died"), "\(run.log)")
        }
    }
}
