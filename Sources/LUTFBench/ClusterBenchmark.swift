import Foundation
import LUTFCore
import Subprocess
import SystemPackage

/// The LNet and many-node figures: simulated `lnetctl net show` latency, a full run of the
/// bundled suites, and (as root) launch time over ssh and barrier release latency on a virtual
/// cluster of network namespaces.
public struct ClusterBenchmark: Sendable {
    public var binary: String
    public var netShowRuns = 200
    public var barrierRounds = 30

    public init(binary: String) {
        self.binary = binary
    }

    /// `lnetctl net show` on a configured simulated node, process start to exit.
    public func simulator(print report: @Sendable (String) -> Void) async throws {
        let p = try await simulatedNetShow(runs: netShowRuns, interfaces: "eth0=10.1.0.1,eth1=10.2.0.1")
        report("simulated `lnetctl net show` (2 NIs), process start to exit, \(netShowRuns) runs:")
        report("  p50 \(Benchmark.milli(p.p50))  p90 \(Benchmark.milli(p.p90))  p99 \(Benchmark.milli(p.p99))")
    }

    /// `lutf run` of every bundled suite on the embedded cluster.
    public func suites(print report: @Sendable (String) -> Void) async throws {
        let dir = try HostInfo.makeTemporaryDirectory("lutf-bench-suites")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let start = Monotonic.nanoseconds()
        let result = try await Subprocess.run(
            .path(FilePath(binary)), arguments: ["run", "--results", dir + "/results"], output: .string(limit: 1 << 20),
            error: .string(limit: 1 << 20))
        let wall = Monotonic.secondsSince(start)
        let junit = (try? String(contentsOfFile: dir + "/results/junit.xml", encoding: .utf8)) ?? ""
        var times: [Double] = []
        for line in junit.split(separator: "\n") where line.contains("<testcase ") {
            if let range = line.range(of: "time=\""), let end = line[range.upperBound...].firstIndex(of: "\"") {
                times.append(Double(line[range.upperBound..<end]) ?? 0)
            }
        }
        let summary = result.standardOutput.split(separator: "\n").last.map(String.init) ?? ""
        report("`lutf run` of every bundled suite on the embedded 3-node cluster:")
        report("  \(summary)")
        report(
            "  wall time \(wall.secondsText); per-test median \(Benchmark.milli(Percentiles(times).p50)), p90 \(Benchmark.milli(Percentiles(times).p90)) over \(times.count) tests"
        )
    }

    /// Launch time over ssh for 3 and 10 nodes, and barrier release latency. Needs root (it
    /// creates a virtual cluster of network namespaces).
    public func cluster(print report: @Sendable (String) -> Void) async throws {
        let dir = try HostInfo.makeTemporaryDirectory("lutf-bench-launch")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let suite = dir + "/suites/suite_bench"
        try FileManager.default.createDirectory(atPath: suite, withIntermediateDirectories: true)
        try Self.writeFirstTest(in: suite)
        try """
        import json
        import threading
        import time

        import lutf


        class Party(lutf.BaseTest):
            def rounds(self, count, names):
                times = []
                for r in range(count):
                    arrived = time.time()
                    lutf.barrier("round-%d" % r, names, timeout=30)
                    times.append((arrived, time.time()))
                return times


        def run(params):
            agents = lutf.agents()
            names = [a.name for a in agents]
            count = int(params["rounds"])
            results = {}
            threads = [threading.Thread(target=lambda a=a: results.update({a.name: Party(target=a).rounds(count, names)}))
                       for a in agents]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            latencies = []
            for r in range(count):
                last_arrival = max(results[n][r][0] for n in names)
                last_release = max(results[n][r][1] for n in names)
                latencies.append(last_release - last_arrival)
            with open(params["out"], "w") as f:
                json.dump(latencies, f)
        """.write(toFile: suite + "/test_barrier.py", atomically: true, encoding: .utf8)
        for nodes in [3, 10] {
            _ = try? await Command.run(binary, ["cluster", "down", "--name", "bl"])
            try await Command.run(
                binary,
                ["cluster", "up", "--name", "bl", "--nodes", "\(nodes)", "--subnet-base", "150", "--port", "18150"])
            do {
                let file = "/run/lutf-cluster-bl/cluster.yaml"
                let out = dir + "/first-\(nodes)"
                let start = Date().timeIntervalSince1970
                try await Command.run(
                    binary,
                    [
                        "launch", "--cluster", file, "--", suite, "--only", "first", "--results", dir + "/r1",
                        "--param", "out=\(out)",
                    ])
                let launched = Double(try String(contentsOfFile: out, encoding: .utf8))! - start
                report(
                    "launch over ssh of \(nodes) agents on a virtual cluster, `lutf launch` start to the first test running:"
                )
                report("  \(Benchmark.milli(launched))")
                let latencyFile = dir + "/barrier-\(nodes).json"
                try await Command.run(
                    binary,
                    [
                        "launch", "--cluster", file, "--", suite, "--only", "barrier", "--results", dir + "/r2",
                        "--param",
                        "out=\(latencyFile)", "--param", "rounds=\(barrierRounds)",
                    ])
                let latencies =
                    (try JSONText.decode(Array(try String(contentsOfFile: latencyFile, encoding: .utf8).utf8)).listValue
                    ?? []).compactMap(\.doubleValue)
                let p = Percentiles(latencies)
                report(
                    "barrier release latency across \(nodes) agents (last arrival to every party released), \(latencies.count) rounds:"
                )
                report("  p50 \(Benchmark.milli(p.p50))  p90 \(Benchmark.milli(p.p90))  max \(Benchmark.milli(p.max))")
            } catch {
                _ = try? await Command.run(binary, ["cluster", "down", "--name", "bl"])
                throw error
            }
            _ = try? await Command.run(binary, ["cluster", "down", "--name", "bl"])
        }
    }
}

extension ClusterBenchmark {
    /// Real LNet in QEMU guests beside the simulator: `lutf cluster up --vm --nodes 3` until the
    /// guests serve ssh and until their 3 agents have joined and a first test runs; `lnetctl net
    /// show` latency measured inside a guest and on a simulated node; and the wall time of one
    /// bundled suite on the guests and on the embedded simulated cluster. Needs qemu and a kit
    /// (`lutf cluster up --vm` finds it as always); says why it skipped otherwise.
    public func vm(suite bundled: String, print report: @Sendable (String) -> Void) async throws {
        guard Command.find("qemu-system-x86_64") != nil else {
            report("vm: skipped (no qemu-system-x86_64; scripts/setup installs it)")
            return
        }
        // Where the guests see the suite too: they have this machine's file system but their own
        // /tmp. Next to the binary, which they run.
        let dir = try HostInfo.makeTemporaryDirectory(
            "lutf-bench-vm", in: URL(fileURLWithPath: binary).deletingLastPathComponent().path)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let suite = dir + "/suites/suite_benchvm"
        try FileManager.default.createDirectory(atPath: suite, withIntermediateDirectories: true)
        try Self.writeFirstTest(in: suite)
        try """
        import json
        import shutil
        import subprocess
        import time

        import lutf


        class Timer(lutf.BaseTest):
            def net_show(self, count):
                lnetctl = shutil.which("lnetctl") or "/usr/sbin/lnetctl"
                subprocess.run([lnetctl, "lnet", "configure"], check=True)
                subprocess.run([lnetctl, "net", "add", "--net", "tcp", "--if", "eth0"], check=True)
                samples = []
                for _ in range(count):
                    start = time.monotonic()
                    subprocess.run([lnetctl, "net", "show"], check=True, stdout=subprocess.DEVNULL)
                    samples.append(time.monotonic() - start)
                subprocess.run([lnetctl, "lnet", "unconfigure"])
                return samples


        def run(params):
            samples = Timer(target=lutf.agents()[0]).net_show(int(params["count"]))
            with open(params["out"], "w") as f:
                json.dump(samples, f)
        """.write(toFile: suite + "/test_lnetctl.py", atomically: true, encoding: .utf8)
        let name = "benchvm"
        _ = try? await Command.run(binary, ["cluster", "down", "--name", name])
        let start = Date().timeIntervalSince1970
        let up = try await Subprocess.run(
            .path(FilePath(binary)), arguments: ["cluster", "up", "--vm", "--nodes", "3", "--name", name],
            output: .string(limit: 1 << 20), error: .string(limit: 1 << 20))
        let upText = up.standardOutput + up.standardError
        guard up.terminationStatus.isSuccess,
            let file = upText.split(separator: "\n").first(where: { $0.hasPrefix("cluster file: ") })?.dropFirst(14)
        else {
            let why = upText.split(separator: "\n").last.map(String.init) ?? "no output"
            report("vm: skipped (lutf cluster up --vm failed: \(why))")
            return
        }
        let booted = Date().timeIntervalSince1970 - start
        let accelerator = upText.split(separator: "\n").first { $0.hasPrefix("guests run under") } ?? ""
        do {
            let out = dir + "/first"
            try await Command.run(
                binary,
                [
                    "launch", "--cluster", String(file), "--", suite, "--only", "first", "--results", dir + "/r1",
                    "--param", "out=\(out)",
                ])
            let joined = Double(try String(contentsOfFile: out, encoding: .utf8))! - start
            report("`lutf cluster up --vm --nodes 3` (\(accelerator)):")
            report(
                "  guests serving ssh \(booted.secondsText); 3 agents joined and a first test running \(joined.secondsText)"
            )

            let samplesFile = dir + "/lnetctl.json"
            let count = 20
            try await Command.run(
                binary,
                [
                    "launch", "--cluster", String(file), "--", suite, "--only", "lnetctl", "--results", dir + "/r2",
                    "--param", "out=\(samplesFile)", "--param", "count=\(count)",
                ])
            let guest = Percentiles(
                (try JSONText.decode(Array(try String(contentsOfFile: samplesFile, encoding: .utf8).utf8)).listValue
                    ?? []).compactMap(\.doubleValue))
            let simulated = try await simulatedNetShow(runs: count, interfaces: "eth0=10.1.0.1")
            report("`lnetctl net show` (1 tcp NI), process start to exit, \(count) runs:")
            report("  in a guest (real LNet): p50 \(Benchmark.milli(guest.p50))  p90 \(Benchmark.milli(guest.p90))")
            report(
                "  simulated:              p50 \(Benchmark.milli(simulated.p50))  p90 \(Benchmark.milli(simulated.p90))"
            )

            let vmStart = Date().timeIntervalSince1970
            _ = try? await Command.run(
                binary, ["launch", "--cluster", String(file), "--", "--suite", bundled, "--results", dir + "/r3"])
            let vmWall = Date().timeIntervalSince1970 - vmStart
            let simStart = Date().timeIntervalSince1970
            _ = try? await Command.run(binary, ["run", "--suite", bundled, "--results", dir + "/r4"])
            let simWall = Date().timeIntervalSince1970 - simStart
            report("suite \(bundled), wall time of the run:")
            report("  on the 3 guests \(vmWall.secondsText) (\(Self.tally(dir + "/r3")))")
            report("  on the embedded simulated cluster \(simWall.secondsText) (\(Self.tally(dir + "/r4")))")
        } catch {
            _ = try? await Command.run(binary, ["cluster", "down", "--name", name])
            throw error
        }
        _ = try? await Command.run(binary, ["cluster", "down", "--name", name])
    }

    /// `lnetctl net show` on a configured simulated node with the given interfaces, timed.
    func simulatedNetShow(runs: Int, interfaces: String) async throws -> Percentiles {
        let dir = try HostInfo.makeTemporaryDirectory("lutf-bench-sim")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createSymbolicLink(atPath: dir + "/lnetctl", withDestinationPath: binary)
        var env = ProcessInfo.processInfo.environment
        env["LUTF_SIM_NODE"] = dir + "/node"
        env["LUTF_SIM_FABRIC"] = dir + "/fabric"
        env["LUTF_SIM_INTERFACES"] = interfaces
        let lnetctl = dir + "/lnetctl"
        let names = interfaces.split(separator: ",").map { String($0.split(separator: "=")[0]) }
        try await Command.run(lnetctl, ["lnet", "configure"], environment: env)
        try await Command.run(
            lnetctl, ["net", "add", "--net", "tcp", "--if", names.joined(separator: ",")], environment: env)
        var samples: [Double] = []
        for _ in 0..<runs {
            let start = Monotonic.nanoseconds()
            try await Command.run(lnetctl, ["net", "show"], environment: env)
            samples.append(Monotonic.secondsSince(start))
        }
        return Percentiles(samples)
    }

    /// "N PASS, N FAIL, N SKIP" of a results directory's junit.xml.
    static func tally(_ results: String) -> String {
        let junit = (try? String(contentsOfFile: results + "/junit.xml", encoding: .utf8)) ?? ""
        let cases = junit.components(separatedBy: "<testcase ").count - 1
        let failed =
            junit.components(separatedBy: "<failure").count - 1 + junit.components(separatedBy: "<error").count - 1
        let skipped = junit.components(separatedBy: "<skipped").count - 1
        return "\(cases - failed - skipped) PASS, \(failed) FAIL, \(skipped) SKIP"
    }

    /// `test_first.py`: writes the time it ran to `params["out"]` (when a first test runs).
    static func writeFirstTest(in suite: String) throws {
        try """
        import time


        def run(params):
            with open(params["out"], "w") as f:
                f.write(repr(time.time()))
        """.write(toFile: suite + "/test_first.py", atomically: true, encoding: .utf8)
    }
}
