import Foundation
import LUTFCore
import Subprocess
import SystemPackage

/// The test-script figures: per-test overhead of `lutf run` over bare python3, remote call
/// latency from a script to an agent worker, and time from `lutf run` to the first test.
public struct ScriptBenchmark: Sendable {
    public var binary: String
    public var noopTests = 20
    public var calls = 2000

    public init(binary: String) {
        self.binary = binary
    }

    public func run(print report: @Sendable (String) -> Void) async throws {
        let runtime = try await PythonRuntime.locate()
        let directory = try HostInfo.makeTemporaryDirectory("lutf-bench-scripts")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let suites = directory + "/suites"
        try write(suites: suites)

        // Time from `lutf run` to the first test running (3-agent embedded cluster).
        var firsts: [Double] = []
        for i in 0..<3 {
            let out = directory + "/first-\(i)"
            let start = Date().timeIntervalSince1970
            try await lutf([
                "run", suites + "/suite_first", "--results", directory + "/r-first", "--param", "out=\(out)",
            ])
            let ran = Double(try String(contentsOfFile: out, encoding: .utf8))!
            firsts.append(ran - start)
        }
        report("time from `lutf run` to the first test running (3-agent embedded cluster, median of 3):")
        report("  \(Benchmark.milli(Percentiles(firsts).p50))")

        // Per-test overhead: the marginal cost of one more test in a run, against bare python3.
        let one = try await timed {
            try await lutf(["run", suites + "/suite_noop", "--only", "noop_01", "--results", directory + "/r1"])
        }
        let all = try await timed { try await lutf(["run", suites + "/suite_noop", "--results", directory + "/rn"]) }
        let marginal = (all - one) / Double(noopTests - 1)
        var bare: [Double] = []
        let script = suites + "/suite_noop/test_noop_01.py"
        for _ in 0..<noopTests {
            bare.append(
                try await timed {
                    _ = try await Subprocess.run(
                        .path(FilePath(runtime.interpreter)),
                        arguments: ["-c", "import runpy; runpy.run_path('\(script)')['run']()"], output: .discarded)
                })
        }
        let bareMean = bare.reduce(0, +) / Double(bare.count)
        report("per-test overhead of `lutf run` over bare python3 (\(noopTests) empty tests):")
        report(
            "  one more test costs \(Benchmark.milli(marginal)); bare python3 running the same script \(Benchmark.milli(bareMean)); overhead \(Benchmark.milli(marginal - bareMean)) (target <= 30 ms)"
        )

        // Remote calls from a script to an agent worker and back.
        let out = directory + "/calls.json"
        try await lutf([
            "run", suites + "/suite_calls", "--results", directory + "/rc", "--param", "out=\(out)", "--param",
            "n=\(calls)",
        ])
        let samples =
            (try JSONText.decode(Array(try String(contentsOfFile: out, encoding: .utf8).utf8)).listValue ?? [])
            .compactMap(\.doubleValue)
        let p = Percentiles(samples)
        report("remote method call, test script -> master -> agent worker -> back, \(samples.count) calls:")
        report(
            "  p50 \(Benchmark.micro(p.p50))  p90 \(Benchmark.micro(p.p90))  p99 \(Benchmark.micro(p.p99))  (target p50 <= 0.3 ms)"
        )

        // Large results of many small items from three agents at once: the master's memory.
        let large = directory + "/large.json"
        try await lutf(["run", suites + "/suite_large", "--results", directory + "/rl", "--param", "out=\(large)"])
        let figures = try JSONText.decode(Array(try String(contentsOfFile: large, encoding: .utf8).utf8))
        let inFlight = Double(figures["bytes"]?.intValue ?? 0)
        let peak = Double(figures["master_peak"]?.intValue ?? 0)
        let idle = Double(figures["master_before"]?.intValue ?? 0)
        report(
            "three agents return \(Int((inFlight / 3 / 1_048_576).rounded())) MiB results of 700,000 small items at once, agent -> master -> script:"
        )
        report(
            "  \(Benchmark.milli(figures["seconds"]?.doubleValue ?? 0)); the master's peak resident memory \(Int(peak / 1_048_576)) MiB (\(Int(idle / 1_048_576)) MiB before), \(((peak - idle) / inFlight * 10).rounded() / 10)x the \(Int(inFlight / 1_048_576)) MiB in flight (target: a small multiple)"
        )
    }

    private func lutf(_ arguments: [String]) async throws {
        try await Command.run(binary, arguments)
    }

    private func timed(_ body: () async throws -> Void) async throws -> Double {
        let start = Monotonic.nanoseconds()
        try await body()
        return Monotonic.secondsSince(start)
    }

    private func write(suites: String) throws {
        let fm = FileManager.default
        for name in ["suite_first", "suite_noop", "suite_calls", "suite_large"] {
            try fm.createDirectory(atPath: suites + "/" + name, withIntermediateDirectories: true)
        }
        try """
        import time


        def run(params):
            with open(params["out"], "w") as f:
                f.write(repr(time.time()))
        """.write(toFile: suites + "/suite_first/test_first.py", atomically: true, encoding: .utf8)
        for i in 1...noopTests {
            try "def run():\n    pass\n".write(
                toFile: suites + "/suite_noop/test_noop_\(i < 10 ? "0" : "")\(i).py", atomically: true, encoding: .utf8)
        }
        try """
        import json
        import time

        import lutf


        class Echo(lutf.BaseTest):
            def echo(self, value):
                return value


        def run(params):
            echo = Echo(target=lutf.get_target("OSS"))
            for _ in range(200):
                echo.echo({"warm": 1})
            samples = []
            for i in range(int(params["n"])):
                start = time.perf_counter()
                echo.echo({"i": i, "node": "oss1"})
                samples.append(time.perf_counter() - start)
            with open(params["out"], "w") as f:
                json.dump(samples, f)
        """.write(toFile: suites + "/suite_calls/test_calls.py", atomically: true, encoding: .utf8)
        // The master runs the script: its parent process.
        try """
        import json
        import os
        import threading
        import time

        import lutf

        TIMEOUT = 600


        def many(n):
            return [[i, "ab", 1.5, None] for i in range(n)]


        def peak(pid):
            with open("/proc/%d/status" % pid) as f:
                return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:"))


        def run(params):
            nodes = lutf.agents()[:3]
            before = peak(os.getppid())
            errors = []

            def one(node):
                try:
                    got = lutf.call(node, many, 700000, timeout=300)
                    assert len(got) == 700000 and got[-1] == [699999, "ab", 1.5, None]
                except Exception as e:
                    errors.append("%s: %r" % (node.name, e))

            started = time.monotonic()
            threads = [threading.Thread(target=one, args=(n,)) for n in nodes]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            seconds = time.monotonic() - started
            assert not errors, errors
            size = len(json.dumps(many(700000), separators=(",", ":")))
            with open(params["out"], "w") as f:
                json.dump({"bytes": 3 * size, "master_peak": peak(os.getppid()), "master_before": before,
                           "seconds": seconds}, f)
        """.write(toFile: suites + "/suite_large/test_large.py", atomically: true, encoding: .utf8)
    }
}
