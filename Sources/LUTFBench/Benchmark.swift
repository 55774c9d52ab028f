import Foundation
import LUTFCore
import LUTFMaster
import LUTFWire
import Logging

/// `lutf bench`: the figures the core runtime is held to, measured with real processes on
/// 127.0.0.1.
///
/// - echo RPC round trip master -> agent process -> master (p50, p99);
/// - heavy: small echoes to two agents, their heartbeats and the master's event-loop stalls while
///   15 MiB values go to a third;
/// - fan-out: one echo to each of N agents at once (N agents in one swarm process);
/// - scale: M agent connections heartbeating against a `lutf master` process: its CPU and memory.
public struct Benchmark: Sendable {
    public var calls = 5000
    /// 15 MiB values sent to one agent and back while two others are timed (0 skips).
    public var heavyRounds = 0
    public var warmup = 500
    public var fanout = [10, 100]
    public var fanoutRounds = 50
    public var swarm = 1000
    public var window = 10.0
    /// The `lutf` binary used for agent, swarm and master processes.
    public var binary: String

    public init(binary: String) {
        self.binary = binary
    }

    private static var quiet: Logger { Logger(label: "lutf-bench", factory: { _ in SwiftLogNoOpLogHandler() }) }

    /// Runs every measurement, printing results as they come.
    public func run(print report: @Sendable (String) -> Void) async throws {
        let directory = try HostInfo.makeTemporaryDirectory("lutf-bench")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let keyPath = directory + "/cluster.key"
        let key = try ClusterKey.writeNew(to: keyPath, force: true)
        let supervisor = ProcessSupervisor()
        #if DEBUG
            report("lutf bench: debug build (use `swift run -c release lutf bench` for representative figures)")
        #else
            report("lutf bench: release build")
        #endif
        report("machine: \(ProcessInfo.processInfo.activeProcessorCount) CPUs; all traffic on 127.0.0.1")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await supervisor.run() }
            defer { group.cancelAll() }
            let master = Master(
                settings: MasterSettings(listen: HostPort(host: "127.0.0.1", port: 0), key: key), logger: Self.quiet)
            group.addTask { try await master.run() }
            let address = try await master.listeningAddress()

            if calls > 0 {
                _ = try await supervisor.start(
                    lutf(
                        "bench1", ["agent", "--master", address.description, "--name", "bench1", "--key", keyPath],
                        log: directory + "/bench1.log"))
                try await waitForAgents(["bench1"], master: master)
                try await echoRoundTrip(master: master, report: report)
            }

            if heavyRounds > 0 {
                for name in ["heavy1", "heavy2", "heavy3"] {
                    _ = try await supervisor.start(
                        lutf(
                            name, ["agent", "--master", address.description, "--name", name, "--key", keyPath],
                            log: directory + "/\(name).log"))
                }
                try await waitForAgents(["heavy1", "heavy2", "heavy3"], master: master)
                try await heavy(master: master, report: report)
            }

            if let largest = fanout.max(), largest > 0 {
                let swarm = try await supervisor.start(
                    lutf(
                        "fan-swarm",
                        [
                            "swarm", "--master", address.description, "--key", keyPath, "--count", "\(largest)",
                            "--prefix", "fan",
                        ], log: directory + "/fan-swarm.log"))
                try await waitForAgents((1...largest).map { "fan\($0)" }, master: master)
                try await fanOut(master: master, report: report)
                try await swarm.stop()
            }

            if swarm > 0 {
                try await scale(
                    supervisor: supervisor, keyPath: keyPath, key: key, directory: directory, report: report)
            }
            await supervisor.stopAll()
        }
    }

    /// A `lutf` process on a lifeline: a bench that dies, however it dies, leaves none behind.
    private func lutf(_ name: String, _ arguments: [String], log: String) -> ProcessSpec {
        ProcessSpec(
            name: name, executable: binary, arguments: arguments + ["--lifeline"],
            environment: ProcessInfo.processInfo.environment, logPath: log, lifeline: true)
    }

    private func waitForAgents(_ names: [String], master: Master) async throws {
        let start = Monotonic.nanoseconds()
        while true {
            let missing = await master.registry.notAlive(names).count
            if missing == 0 { return }
            if Monotonic.secondsSince(start) > 60 {
                throw LUTFError(.timeout, "\(missing) of \(names.count) agents did not join within 60 s")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    private func echoRoundTrip(master: Master, report: @Sendable (String) -> Void) async throws {
        let payload: Value = ["seq": 0, "data": "hello from the master"]
        for _ in 0..<warmup { _ = try await master.callFunction("bench1", "echo", payload, timeout: 10) }
        var samples: [Double] = []
        samples.reserveCapacity(calls)
        for _ in 0..<calls {
            let start = Monotonic.nanoseconds()
            _ = try await master.callFunction("bench1", "echo", payload, timeout: 10)
            samples.append(Monotonic.secondsSince(start))
        }
        let p = Percentiles(samples)
        report("echo RPC round trip (master -> agent process -> master), \(calls) sequential calls:")
        report(
            "  p50 \(Self.micro(p.p50))  p90 \(Self.micro(p.p90))  p99 \(Self.micro(p.p99))  max \(Self.micro(p.max))  (target p50 <= 300 us)"
        )
    }

    /// How much a heavy value sent to one agent holds up other agents' calls and heartbeats on
    /// the master. With connections dealt round-robin to the event loops (one per core), one of
    /// the two others shares the heavy agent's loop: encoding, sealing and decoding must stay off
    /// it.
    private func heavy(master: Master, report: @Sendable (String) -> Void) async throws {
        let small: Value = ["seq": 0]
        let value = Value.string(String(repeating: "x", count: 15 << 20))
        let rounds = heavyRounds
        let light = ["heavy2", "heavy3"]
        _ = try await master.callFunction("heavy1", "echo", "warm", timeout: 10)
        for name in light {
            for _ in 0..<200 { _ = try await master.callFunction(name, "echo", small, timeout: 10) }
        }
        var alone: [Double] = []
        for i in 0..<500 {
            let start = Monotonic.nanoseconds()
            _ = try await master.callFunction(light[i % 2], "echo", small, timeout: 10)
            alone.append(Monotonic.secondsSince(start))
        }
        var links: [String: AgentLink] = [:]
        for name in ["heavy1"] + light {
            links[name] = try await master.registry.link(named: name)
            _ = links[name]!.takeLongestHeartbeatGap()
        }
        let probe = LoopLagProbe()
        defer { probe.stop() }
        try await Task.sleep(for: .milliseconds(100))
        let idleLag = probe.take()
        let started = Monotonic.nanoseconds()
        let beside = try await withThrowingTaskGroup(of: (String, [Double])?.self) { group in
            group.addTask {
                for _ in 0..<rounds { _ = try await master.callFunction("heavy1", "echo", value, timeout: 60) }
                return nil
            }
            for name in light {
                group.addTask {
                    var samples: [Double] = []
                    while !Task.isCancelled {
                        let start = Monotonic.nanoseconds()
                        do {
                            _ = try await master.callFunction(name, "echo", small, timeout: 10)
                        } catch  where Task.isCancelled {
                            break
                        }
                        samples.append(Monotonic.secondsSince(start))
                    }
                    return (name, samples)
                }
            }
            _ = try await group.next()  // the heavy values are done (the others run until cancelled)
            group.cancelAll()
            var all: [String: [Double]] = [:]
            while let next = try await group.next() { if let (name, samples) = next { all[name] = samples } }
            return all
        }
        let moved = Monotonic.secondsSince(started) / Double(rounds)
        let heavyLag = probe.take()
        let a = Percentiles(alone)
        report(
            "small echoes to two agents while \(rounds) 15 MiB values go to a third and back (master -> agent -> master):"
        )
        report("  alone: p50 \(Self.micro(a.p50))  p99 \(Self.micro(a.p99))  max \(Self.micro(a.max))")
        for name in light {
            let b = Percentiles(beside[name] ?? [])
            report(
                "  \(name) beside: p50 \(Self.micro(b.p50))  p99 \(Self.micro(b.p99))  max \(Self.milli(b.max))  (\(beside[name]?.count ?? 0) calls); longest time between its heartbeats on the master \(Self.milli(links[name]!.takeLongestHeartbeatGap()))"
            )
        }
        report(
            "  the master's event loops: at most \(Self.milli(heavyLag.busy)) busy without a break (idle: \(Self.milli(idleLag.busy))), \(Self.milli(heavyLag.late)) late counting time without a core (idle: \(Self.milli(idleLag.late)))"
        )
        report(
            "  heavy1: 15 MiB round trip \(Self.milli(moved)); longest time between its heartbeats \(Self.milli(links["heavy1"]!.takeLongestHeartbeatGap())) (interval \(LUTFDefaults.heartbeatInterval.secondsText))"
        )
    }

    private func fanOut(master: Master, report: @Sendable (String) -> Void) async throws {
        report("fan-out: one echo to each of N agents at once, \(fanoutRounds) rounds:")
        for n in fanout.sorted() where n > 0 {
            let names = (1...n).map { "fan\($0)" }
            var samples: [Double] = []
            for round in 0..<(fanoutRounds + 5) {
                let start = Monotonic.nanoseconds()
                try await withThrowingDiscardingTaskGroup { group in
                    for name in names {
                        group.addTask { _ = try await master.callFunction(name, "echo", ["n": .int(n)], timeout: 10) }
                    }
                }
                if round >= 5 { samples.append(Monotonic.secondsSince(start)) }
            }
            let p = Percentiles(samples)
            report("  N=\(n): median \(Self.milli(p.p50))  p99 \(Self.milli(p.p99))")
        }
    }

    private func scale(
        supervisor: ProcessSupervisor, keyPath: String, key: ClusterKey, directory: String,
        report: @Sendable (String) -> Void
    ) async throws {
        let masterLog = directory + "/scale-master.log"
        let masterProcess = try await supervisor.start(
            lutf("scale-master", ["master", "--listen", "127.0.0.1:0", "--key", keyPath], log: masterLog))
        var address: HostPort?
        let start = Monotonic.nanoseconds()
        while address == nil {
            if let line = masterProcess.log.split(separator: "\n").first(where: { $0.contains("listening on") }),
                let word = line.split(separator: " ").first(where: { $0.hasPrefix("127.0.0.1:") })
            {
                address = try HostPort(parsing: String(word), defaultPort: nil, what: "master log")
            } else if Monotonic.secondsSince(start) > 10 {
                throw LUTFError(.timeout, "the scale master did not start: \(masterProcess.log)")
            } else {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        let pid = try await masterProcess.pid
        let idle = ProcessStats.read(pid: pid)
        let client = ControlClient(master: address!, key: key, logger: Self.quiet)
        let joinStart = Monotonic.nanoseconds()
        let swarmProcess = try await supervisor.start(
            lutf(
                "scale-swarm",
                [
                    "swarm", "--master", address!.description, "--key", keyPath, "--count", "\(swarm)", "--prefix",
                    "node",
                ],
                log: directory + "/scale-swarm.log"))
        while true {
            let agents = try await client.request(["op": "query"])["agents"]?.listValue ?? []
            if agents.filter({ $0["state"] == "alive" }).count == swarm { break }
            if Monotonic.secondsSince(joinStart) > 120 {
                throw LUTFError(.timeout, "only \(agents.count) of \(swarm) swarm agents joined within 120 s")
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        let joined = Monotonic.secondsSince(joinStart)
        try await Task.sleep(for: .seconds(1))
        guard let before = ProcessStats.read(pid: pid) else { throw LUTFError(.failure, "scale master is gone") }
        try await Task.sleep(for: .seconds(window))
        guard let after = ProcessStats.read(pid: pid) else { throw LUTFError(.failure, "scale master is gone") }
        let agents = try await client.request(["op": "query"])["agents"]?.listValue ?? []
        let alive = agents.filter { $0["state"] == "alive" }.count
        let cpu = (after.cpuSeconds - before.cpuSeconds) / window * 100
        report("scale: \(swarm) agent connections heartbeating every 1 s against one `lutf master` process:")
        report("  all joined in \(joined.secondsText); \(alive) alive after a \(window.secondsText) window")
        report(
            "  master CPU \((cpu * 10).rounded() / 10) % of one core; resident memory \(after.residentBytes.mebibytesText) (idle before the swarm: \(idle?.residentBytes.mebibytesText ?? "?"), peak \(after.peakResidentBytes.mebibytesText))"
        )
        try await swarmProcess.stop()
        try await masterProcess.stop()
    }

    static func micro(_ seconds: Double) -> String { "\(Int((seconds * 1e6).rounded())) us" }
    static func milli(_ seconds: Double) -> String { "\((seconds * 1e4).rounded() / 10) ms" }
}

/// Percentiles of a sample (nearest rank).
public struct Percentiles: Sendable {
    public var p50: Double
    public var p90: Double
    public var p99: Double
    public var max: Double

    public init(_ samples: [Double]) {
        let sorted = samples.sorted()
        func rank(_ q: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            return sorted[Swift.min(sorted.count - 1, Int((q * Double(sorted.count)).rounded(.up)) - 1)]
        }
        p50 = rank(0.5)
        p90 = rank(0.9)
        p99 = rank(0.99)
        max = sorted.last ?? 0
    }
}
