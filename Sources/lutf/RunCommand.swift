import ArgumentParser
import Foundation
import LUTFCore
import LUTFLaunch
import LUTFSuites
import LUTFVM
import Logging

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run test suites and write results (results.yml, junit.xml, logs, results.zip).",
        discussion: """
            Without --cluster, starts an embedded cluster: the master in this process and N local \
            agents (mds1/MDS, oss1/OSS, client1, client2, ... /client) on 127.0.0.1 with a throwaway \
            key, each a simulated LNet node with --interfaces interfaces (eth0 10.1.0.N, eth1 \
            10.2.0.N, ...). With --cluster FILE, listens on the file's master port and waits for its \
            agents (started by `lutf launch` or by hand). With --vm N, boots N QEMU guests running \
            the kernel's real LNet from a kit (as `lutf cluster up --vm` does, same addresses), runs \
            the tests on them and removes them again.

            Selection also comes from auster's environment: SUITE, ONLY, EXCEPT, PATTERN (names \
            separated by blanks or commas). PATH defaults to $LUTF_SUITES, else the bundled suites.

            Each script runs in its own Python process, started (with lutf imported) while the \
            test before it runs, so Python's start-up is in no test's time. A test has a deadline \
            (--timeout, or the script's TIMEOUT); at the deadline its process group is stopped (SIGTERM, then SIGKILL) and it is \
            recorded FAIL "timed out after N s". Results go to --results DIR (default \
            ./lutf-results/RUN-ID): results.yml (auster's format, rewritten after every test), \
            junit.xml, report.html (one self-contained page with a timeline per test across the \
            nodes; see `lutf report --help`), run.json, per test SUITE/TEST/output.log, result.json, \
            rpc.log, timeline.jsonl and tools.jsonl, nodes/ agent logs, results.zip.

            When a test fails or times out (or always, with --collect always), before anything is \
            torn down, every node hands over evidence into SUITE/TEST/NODE/: lctl-dk.log (the LNet \
            debug log since the test started), lnetctl-export.yaml, stats.yaml, peers.yaml, \
            kernel.log, agent.log and crash-dumps.txt; SUITE/TEST/evidence.txt says what came \
            from where, and which node did not answer in time.

            Exit status: 0 if no test failed (expected failures do not count), 1 if a test failed, \
            2 for usage or set-up errors.
            """
    )

    @Argument(help: "Suite directories, directories of suite_* directories, or test scripts.")
    var paths: [String] = []

    @Option(name: .long, help: "Run only these suites (names, comma-separated; default $SUITE).")
    var suite: [String] = []

    @Option(name: .long, help: "Run only these tests (keys like sample_02, comma-separated; default $ONLY).")
    var only: [String] = []

    @Option(
        name: .customLong("except"),
        help:
            "Do not run these tests (default $EXCEPT); without --only each is reported SKIP \"skipping excluded test KEY\", as a bash suite reports it."
    )
    var exceptTests: [String] = []

    @Option(name: .long, help: "Run only tests whose key, name or suite/key matches this glob (default $PATTERN).")
    var pattern: String?

    @Option(name: .long, help: "Agents of the embedded cluster.")
    var agents = 3

    @Option(name: .long, help: "Interfaces of every node of the embedded or VM cluster (1-4).")
    var interfaces = 2

    @Option(name: .long, help: "Run on N QEMU guests with the kernel's real LNet (booted and removed by this run).")
    var vm: Int?

    @OptionGroup var vmOptions: VMOptions

    @Option(name: .long, help: "Cluster file (YAML) whose agents to wait for instead of an embedded cluster.")
    var cluster: String?

    @Option(name: .long, help: "Cluster key file, with --cluster (default: $LUTF_KEY, else the file's key).")
    var key: String?

    @Option(name: .long, help: "Results directory (default ./lutf-results/RUN-ID).")
    var results: String?

    @Option(name: .long, help: "Default deadline of each test in seconds.")
    var timeout = 300.0

    @Option(name: .long, help: "A parameter for run(params), KEY=VALUE (repeatable; VALUE is read as YAML).")
    var param: [String] = []

    @Flag(name: .long, help: "Do not run the suites' lutf_clean_setup() before each test.")
    var noClean = false

    @Option(name: .long, help: "Seconds to wait for the agents to join.")
    var joinTimeout = 30.0

    @Option(
        name: .long,
        help:
            "When to collect evidence from every node into SUITE/TEST/NODE/: failure (failed or timed-out tests), always, never."
    )
    var collect = "failure"

    @Option(
        name: .long,
        help:
            "auster's results.yml ($YAML_LOG): append each test's SubTests item (test_SUITE_KEY) to the lutf entry auster opened."
    )
    var austerYaml: String?

    @Option(
        name: .long,
        help:
            "auster's $TESTLOG_PREFIX: test logs go to PREFIX.test_SUITE_KEY.test_log.HOST.log (debug_log, dmesg too).")
    var austerLogPrefix: String?

    @Option(name: .long, help: "The host name in auster's log names (default: hostname -s).")
    var austerHost: String?

    @Option(name: .long, help: "auster's $TF_SKIP: removed once a test passes or fails.")
    var tfSkip: String?

    @Flag(name: .long, help: "Start no test after the first that fails (auster's FAIL_ON_ERROR).")
    var failFast = false

    @Flag(
        name: .long,
        help: "A selected name that matches nothing is a warning; nothing selected is an empty run (exit 0).")
    var lenient = false

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard agents >= 1 && agents <= 64 else { throw ValidationError("--agents must be from 1 to 64, got \(agents)") }
        guard (1...4).contains(interfaces) else {
            throw ValidationError("--interfaces must be from 1 to 4, got \(interfaces)")
        }
        if vm != nil {
            // The guest count is checked where the guests are made (one line, exit 2).
            guard cluster == nil else { throw ValidationError("give --vm or --cluster, not both") }
        }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive, got \(timeout)") }
        guard CollectPolicy(rawValue: collect) != nil else {
            throw ValidationError("--collect must be failure, always or never, got '\(collect)'")
        }
    }

    /// The run these options describe.
    func makeRequest() throws -> RunRequest {
        var request = RunRequest()
        request.paths = paths
        request.selection.suites = suite.flatMap { Selection.names($0) }
        request.selection.only = only.flatMap { Selection.names($0) }
        request.selection.except = exceptTests.flatMap { Selection.names($0) }
        request.selection.pattern = pattern
        request.agentCount = agents
        request.interfaceCount = interfaces
        request.cluster = try cluster.map { (path) throws(LUTFError) in try ClusterFile(path: path) }
        request.keyPath = key
        request.resultsDirectory = results
        if let austerYaml { try AusterReport.checkOpenEntry(austerYaml) }
        request.settings.auster.yaml = austerYaml
        request.settings.auster.logPrefix = austerLogPrefix
        if let austerHost { request.settings.auster.host = austerHost }
        request.settings.auster.skipMarker = tfSkip
        request.settings.failFast = failFast
        request.lenient = lenient
        request.settings.timeout = timeout
        request.settings.noClean = noClean
        request.settings.collect = CollectPolicy(rawValue: collect) ?? .failure
        for text in param {
            let (k, v) = try RunSettings.param(text)
            request.settings.params[k] = v
        }
        request.joinTimeout = joinTimeout
        return request
    }

    func run() async throws {
        let interruption = Interruption()
        let code = try await reportingErrors("run") { () async throws -> Int32 in
            let logger = try logging.bootstrap("lutf", defaultLevel: .warning)
            var request = try makeRequest()
            request.interruption = interruption
            let command = self
            let code = try await withSignals(interruption) { [request] in
                if let vm = command.vm { return try await command.runOnGuests(vm, request: request, logger: logger) }
                return try await RunController.run(request, logger: logger) { line in emit(line) }.exitCode
            }
            return interruption.exitStatus ?? code
        }
        if code != 0 { throw ExitCode(code) }
    }

    /// Boots `count` guests, launches the run on them, and removes them (whatever happens).
    func runOnGuests(_ count: Int, request: RunRequest, logger: Logger) async throws -> Int32 {
        guard (1...16).contains(count) else {
            throw LUTFError(.usage, "--vm must be from 1 to 16 guests, got \(count)")
        }
        let (options, kit) = try await vmOptions.resolve(nodes: count, interfaces: interfaces, name: "run", port: 0)
        let state = try HostInfo.makeTemporaryDirectory("lutf-vm")
        defer { try? FileManager.default.removeItem(atPath: state) }
        let cluster = try VMCluster(options: options, kit: kit, state: state) { emit($0) }
        return try await withThrowingTaskGroup(of: Int32?.self) { group in
            group.addTask {
                try await cluster.run()
                return nil
            }
            group.addTask {
                let file = try await cluster.ready()
                let summary = try await Launch.run(
                    request, cluster: file, key: nil, push: false, logger: logger, environment: environment
                ) { line in emit(line) }
                return summary.exitCode
            }
            defer { group.cancelAll() }
            while let next = try await group.next() {
                if let code = next { return code }
            }
            return 1
        }
    }
}

struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List suites and their test scripts, marking skip-listed tests and expected failures.",
        discussion: "PATH defaults to $LUTF_SUITES, else the bundled suites."
    )

    @Argument(help: "Suite directories, directories of suite_* directories, or test scripts.")
    var paths: [String] = []

    func run() async throws {
        try await reportingErrors("list") {
            let runtime = try await PythonRuntime.locate()
            let chosen = runtime.suitePaths(paths, environment: environment)
            let suites = try await SuiteCatalog.discover(chosen, runtime: runtime)
            for suite in suites {
                let extras = [suite.callbacks.map { _ in "callbacks.py" }, suite.skipFile.map { _ in "skip.py" }]
                    .compactMap { $0 }
                print(
                    "\(suite.name)  \(suite.directory)  \(suite.scripts.count) script\(suite.scripts.count == 1 ? "" : "s")"
                        + (extras.isEmpty ? "" : " (\(extras.joined(separator: ", ")))"))
                var table = TextTable(header: [])
                for script in suite.scripts {
                    var marks: [String] = []
                    if suite.skipList.contains(script.key) { marks.append("skip list") }
                    if suite.expectedFailures.contains(script.key) { marks.append("expected failure") }
                    table.append(["  " + script.key, marks.joined(separator: ", ")])
                }
                print(table.text, terminator: "")
            }
        }
    }
}
