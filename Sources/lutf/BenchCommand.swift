import ArgumentParser
import Foundation
import LUTFAgent
import LUTFBench
import LUTFCore
import Logging

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure RPC latency, fan-out, master load, script overhead and cluster launch with real processes.",
        discussion: """
            Prints: how fast a value is encoded, sealed into a frame and decoded at 1 KiB, 1 MiB and \
            16 MiB (a string and a tree of small maps); how long small calls to two agents take, how far apart \
            their heartbeats reach the master and how long the master's event loops go without a \
            break, while 15 MiB values go to a third agent and back (`heavy`); the echo RPC round trip master -> agent -> master (p50/p90/p99); the time to \
            call each of N agents at once; the CPU and resident memory of a `lutf master` process \
            with M agent connections heartbeating every second (the agents run as a swarm in one \
            process); and for test scripts: the time from `lutf run` to the first test, the \
            per-test overhead over bare python3, remote call latency from a script to an \
            agent's Python worker, and the master's peak memory while three agents return large \
            results of small items at once; simulated `lnetctl net show` latency; the wall time of a full run \
            of the bundled suites; as root, the time to launch a 3- and 10-node virtual cluster \
            over ssh and the release latency of a barrier across it; and where qemu and an LNet kit \
            are present (`vm`), real LNet in QEMU guests beside the simulator: the time for \
            `lutf cluster up --vm --nodes 3` until the guests serve ssh and until their agents have \
            joined, `lnetctl net show` latency in a guest and simulated, and the wall time of \
            --vm-suite on the guests and on the embedded cluster. Build with -c release for \
            representative figures.
            """
    )

    @Option(help: "Sequential echo calls to time (0 skips).")
    var calls = 5000

    @Option(help: "Agent counts for the fan-out measurement, comma-separated (empty skips).")
    var fanout = "10,100"

    @Option(help: "Agent connections for the scale measurement (0 skips).")
    var swarm = 1000

    @Option(help: "Seconds over which master CPU is measured.")
    var window = 10.0

    @Option(help: "The bundled suite the vm measurement runs on guests and simulated.")
    var vmSuite = "dynamic-discovery"

    @Option(
        help: """
            Measurements to run, comma-separated: values, heavy, rpc, fanout, scale, scripts, sim, suites, launch, \
            vm (default: all; launch needs root and is skipped otherwise, vm without qemu or a \
            kit).
            """)
    var only = Self.allSections.joined(separator: ",")

    static let allSections = ["values", "heavy", "rpc", "fanout", "scale", "scripts", "sim", "suites", "launch", "vm"]

    func run() async throws {
        try await reportingErrors("bench") {
            let sections = Set(only.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            if let unknown = sections.subtracting(Self.allSections).sorted().first {
                throw LUTFError(
                    .usage,
                    "--only: unknown measurement '\(unknown)' (\(Self.allSections.joined(separator: ", ")))")
            }
            if sections.contains("values") {
                try ValueBenchmark().run { line in emit(line) }
            }
            var benchmark = Benchmark(binary: HostInfo.executablePath)
            benchmark.calls = sections.contains("rpc") ? calls : 0
            benchmark.heavyRounds = sections.contains("heavy") ? 4 : 0
            benchmark.fanout =
                sections.contains("fanout")
                ? fanout.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } : []
            benchmark.swarm = sections.contains("scale") ? swarm : 0
            benchmark.window = window
            try await benchmark.run { line in emit(line) }
            if sections.contains("scripts") {
                try await ScriptBenchmark(binary: HostInfo.executablePath).run { line in emit(line) }
            }
            let cluster = ClusterBenchmark(binary: HostInfo.executablePath)
            if sections.contains("sim") {
                try await cluster.simulator { line in emit(line) }
            }
            if sections.contains("suites") {
                try await cluster.suites { line in emit(line) }
            }
            if sections.contains("launch") {
                if geteuid() == 0 {
                    try await cluster.cluster { line in emit(line) }
                } else if only != Self.allSections.joined(separator: ",") {
                    throw LUTFError(.usage, "--only launch: needs root (it creates network namespaces)")
                } else {
                    emit("launch: skipped (needs root to create network namespaces)")
                }
            }
            if sections.contains("vm") {
                try await cluster.vm(suite: vmSuite) { line in emit(line) }
            }
        }
    }
}

struct SwarmCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swarm",
        abstract: "Run COUNT agents in one process (load testing; used by `lutf bench`).",
        shouldDisplay: false
    )

    @Option(help: "Master address HOST:PORT.")
    var master: String

    @Option(help: "Cluster key file.")
    var key: String

    @Option(help: "How many agents.")
    var count = 100

    @Option(help: "Agent names are PREFIX1 ... PREFIXn.")
    var prefix = "swarm"

    @Flag(help: "Exit when standard input ends (the process that started the swarm holds it).")
    var lifeline = false

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        try await reportingErrors("swarm") {
            let logger = try logging.bootstrap("lutf")
            let settings = try AgentSettings.resolve(
                configPath: nil, master: master, name: prefix + "1", role: nil, keyPath: key, lnet: nil,
                environment: [:])
            let swarm = Swarm(settings: settings, count: count, prefix: prefix)
            guard lifeline else { return try await swarm.run(logger: logger) }
            // Whichever ends first ends both.
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await swarm.run(logger: logger) }
                group.addTask { try await Lifeline().run() }
                try await group.next()
                group.cancelAll()
            }
        }
    }
}
