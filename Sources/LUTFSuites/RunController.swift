import Foundation
import LUTFCore
import LUTFMaster
import LUTFWire
import Logging
import OrderedCollections
import ServiceLifecycle

/// What `lutf run` was asked to do.
public struct RunRequest: Sendable {
    /// Suite directories or scripts; empty means `$LUTF_SUITES`, else the bundled `suites/`.
    public var paths: [String] = []
    public var selection = Selection()
    public var settings = RunSettings()
    /// Agents of the embedded cluster.
    public var agentCount = 3
    /// Interfaces of each agent of the embedded cluster.
    public var interfaceCount = 2
    /// Join the agents of this cluster instead of starting an embedded cluster.
    public var cluster: ClusterFile?
    /// The cluster key (cluster mode; the embedded cluster makes a throwaway one).
    public var keyPath: String?
    public var resultsDirectory: String?
    /// Seconds to wait for every agent to join.
    public var joinTimeout = 30.0
    /// Starts the cluster's agents (`lutf launch`); without it, cluster agents are started by hand.
    public var launcher: (any AgentLauncher)?
    /// A selection name that matches nothing is a warning, and no test selected an empty run
    /// (exit 0) rather than an error: what a bash suite does under auster.
    public var lenient = false
    /// Set by a signal: the running test is recorded interrupted and the run stops.
    public var interruption = Interruption()

    public init() {}
}

/// What a run did.
public struct RunSummary: Sendable {
    public var results: [TestResult]
    public var directory: String
    public var bundle: String?

    /// Why the results could not all be written, if they could not (the run then fails).
    public var writeFailure: String?

    /// 0 if no test failed (expected failures do not count) and every result was written, else 1.
    public var exitCode: Int32 { results.contains(where: \.failsRun) || writeFailure != nil ? 1 : 0 }
}

/// `lutf run`: discover and select tests, start or join a cluster, run the tests, write results.
public enum RunController {
    public static func run(
        _ request: RunRequest, logger: Logger, output: @escaping @Sendable (String) -> Void
    ) async throws -> RunSummary {
        let started = Monotonic.nanoseconds()
        let environment = ProcessInfo.processInfo.environment
        let runtime: PythonRuntime
        do {
            runtime = try await PythonRuntime.locate()
        } catch {
            throw LUTFError(.setup, (error as? LUTFError)?.message ?? "\(error)")
        }
        let paths = runtime.suitePaths(request.paths, environment: environment)
        var selection = request.selection
        selection.applyEnvironment(environment)
        let suites = try selection.apply(
            to: try await SuiteCatalog.discover(paths, runtime: runtime), lenient: request.lenient
        ) { warning in output("lutf: \(warning)") }
        let testCount = suites.map(\.scripts.count).reduce(0, +)
        guard testCount > 0 else {
            if request.lenient {
                output("lutf run: no tests selected in \(paths.joined(separator: " ")): nothing to run")
                return RunSummary(results: [], directory: "", bundle: nil)
            }
            throw LUTFError(.usage, "no tests selected in \(paths.joined(separator: " "))")
        }

        let cluster = request.cluster
        let runID = RunContext.newID()
        let resultsDirectory = URL(fileURLWithPath: request.resultsDirectory ?? "lutf-results/\(runID)")
            .standardizedFileURL.path
        let writer = try ResultsWriter(
            directory: resultsDirectory, suites: suites, testGroup: environment["TEST_GROUP"] ?? "lutf")
        // Under auster, everything printed goes to standard output only: auster itself writes it
        // to lutf.suite_log.HOST.log.
        let say = output
        var setup = ClusterSetup()
        setup.agentCount = request.agentCount
        setup.interfaceCount = request.interfaceCount
        setup.cluster = cluster
        setup.keyPath = request.keyPath
        setup.launcher = request.launcher
        setup.joinTimeout = request.joinTimeout
        setup.nodeLogs = resultsDirectory + "/nodes"
        setup.interruption = request.interruption
        return try await withCluster(setup, runID: runID, runtime: runtime, logger: logger, output: say) {
            context, names in
            let where_ = cluster == nil ? "an embedded cluster" : "cluster \(cluster!.path)"
            say(
                "lutf run \(runID): \(testCount) test\(testCount == 1 ? "" : "s") in \(suites.count) suite\(suites.count == 1 ? "" : "s") on \(where_) (\(names.joined(separator: ", "))); results in \(Self.display(resultsDirectory))"
            )
            let startedAt = Date()
            let describe = { (finished: Bool) async in
                await Self.writeRunFile(
                    resultsDirectory, id: runID, started: startedAt, cluster: cluster, master: context.master,
                    order: names, finished: finished)
            }
            await describe(false)
            let interruption = request.interruption
            let results = await execute(
                suites, on: names, runID: runID, writer: writer, context: context, settings: request.settings,
                progress: say, interruption: { interruption })
            if let launcher = request.launcher { await launcher.finish(runID: runID, supervisor: context.supervisor) }
            await context.supervisor.stopAll()
            await describe(interruption.reason == nil)
            // The page is a view of the directory: if it cannot be written, the run still stands.
            do {
                try RunReport.write(
                    results: resultsDirectory, template: runtime.home + "/python/lutf/report-template.html")
            } catch {
                say("lutf run: no report.html: \((error as? LUTFError)?.message ?? "\(error)")")
            }
            var writeFailure = writer.failure
            var bundle: String?
            do {
                bundle = try ResultsBundle.create(for: resultsDirectory)
            } catch {
                writeFailure = writeFailure ?? (error as? LUTFError)?.message ?? "cannot zip the results"
            }
            var summary = RunSummary(results: results, directory: resultsDirectory, bundle: bundle)
            summary.writeFailure = writeFailure
            say(Self.summaryLine(summary, elapsed: Monotonic.secondsSince(started)))
            if let writeFailure { say("lutf run: FAILED to record the results: \(writeFailure)") }
            return summary
        }
    }

    /// `run.json`: what the report says of the run (its id, when, where, the nodes and their
    /// roles and NIDs, LUTF's version); `finished` once every test has been run.
    static func writeRunFile(
        _ directory: String, id: String, started: Date, cluster: ClusterFile?, master: Master, order: [String],
        finished: Bool
    ) async {
        let agents = await master.registry.snapshot().sorted {
            (order.firstIndex(of: $0.name) ?? Int.max, $0.name) < (order.firstIndex(of: $1.name) ?? Int.max, $1.name)
        }
        let simulated = agents.allSatisfy { $0.identity.lnet != "system" }
        let nodes: [Value] = agents.map { agent in
            let nids = agent.identity.interfaces.filter { !$0.isLoopback }.compactMap { interface -> Value? in
                interface.addresses.first { !$0.contains(":") }.map { .string("\($0)@tcp") }
            }
            return [
                "name": .string(agent.name), "role": .string(agent.identity.role),
                "host": .string(agent.identity.hostname),
                "backend": .string(agent.identity.lnet == "system" ? "real" : "simulated"), "nids": .list(nids),
            ]
        }
        var value: OrderedDictionaryValue = [
            "id": .string(id), "started": .string(ResultsWriter.isoText(started)),
            "duration_s": .double(Date().timeIntervalSince(started)), "lutf_version": .string(LUTFDefaults.version),
            "backend": .string(simulated ? "simulated" : "real"), "host": .string(ProcessInfo.processInfo.hostName),
            "user": .string(ProcessInfo.processInfo.environment["USER"] ?? "\(getuid())"),
            "command": .string(CommandLine.arguments.joined(separator: " ")), "nodes": .list(nodes),
            "finished": .bool(finished),
        ]
        if let cluster { value["cluster"] = .string(cluster.path) }
        try? ResultsWriter.atomicWrite(JSONText.encodeString(.map(value)) + "\n", to: directory + "/run.json")
    }

    /// Where a run's agents come from.
    public struct ClusterSetup: Sendable {
        /// Agents of an embedded cluster (when there is no cluster file).
        public var agentCount = 3
        /// Interfaces of each agent of an embedded cluster.
        public var interfaceCount = 2
        /// Join (or, with a launcher, start) this cluster's agents instead.
        public var cluster: ClusterFile?
        public var keyPath: String?
        public var launcher: (any AgentLauncher)?
        public var joinTimeout = 30.0
        /// Where agents' logs go.
        public var nodeLogs: String
        /// A signal during the wait for agents ends it.
        public var interruption = Interruption()

        public init(nodeLogs: String = NSTemporaryDirectory()) {
            self.nodeLogs = nodeLogs
        }
    }

    /// Starts a master (with its script broker and process supervisor), brings up the agents —
    /// an embedded cluster, launched ones, or ones started by hand — waits for them to join, runs
    /// `body`, and tears it all down.
    public static func withCluster<T: Sendable>(
        _ setup: ClusterSetup, runID: String, runtime: PythonRuntime, logger: Logger,
        output: @escaping @Sendable (String) -> Void,
        _ body: @escaping @Sendable (Context, [String]) async throws -> T
    ) async throws -> T {
        let environment = ProcessInfo.processInfo.environment
        let work = try HostInfo.makeTemporaryDirectory("lutf-run-\(runID)")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let cluster = setup.cluster
        let keyPath: String
        let key: ClusterKey
        if let cluster {
            key = try ClusterKey.resolve(flag: setup.keyPath, environment: environment, configured: cluster.keyPath)
            keyPath = key.source
        } else {
            keyPath = work + "/cluster.key"
            key = try ClusterKey.writeNew(to: keyPath, force: true)
        }
        let listen =
            cluster.map { HostPort(host: $0.listen ?? "0.0.0.0", port: $0.master.port) }
            ?? HostPort(host: "127.0.0.1", port: 0)
        var settings = MasterSettings(listen: listen, key: key)
        if let interval = cluster?.heartbeatInterval { settings.heartbeatInterval = interval }
        if let missed = cluster?.missedHeartbeats { settings.missedHeartbeats = missed }
        let master = Master(settings: settings, logger: logger)
        let broker = ScriptBroker(master: master, directory: work + "/broker", logger: logger)
        master.setServiceHandler(broker)
        let supervisor = ProcessSupervisor()

        // One service group: the master, its broker, the process supervisor, and the work,
        // whose end shuts the others down in reverse order (processes first, the master last).
        let outcome = OneShot<T>()
        let job = Work(outcome: outcome) {
            let address = try await master.listeningAddress()
            let names: [String]
            var processes: [ChildProcess] = []
            if let launcher = setup.launcher {
                names = launcher.agentNames
                let master = HostPort(host: cluster?.master.host ?? address.host, port: address.port)
                processes = try await launcher.start(
                    master: master, runID: runID, supervisor: supervisor, logDirectory: setup.nodeLogs)
            } else if let cluster {
                names = cluster.agents.map(\.name)
                output("lutf: waiting for agents \(names.joined(separator: ", ")) on port \(address.port)")
            } else {
                processes = try await EmbeddedCluster.start(
                    count: setup.agentCount, interfaces: setup.interfaceCount, master: address, keyPath: keyPath,
                    supervisor: supervisor,
                    workDirectory: work + "/agents", logDirectory: setup.nodeLogs, runtime: runtime)
                names = processes.map(\.name)
            }
            try await waitForAgents(
                names, master: master, processes: processes, timeout: setup.joinTimeout,
                interruption: setup.interruption)
            let context = Context(
                master: master, broker: broker, supervisor: supervisor, runtime: runtime, logger: logger,
                masterAddress: cluster?.master.description ?? address.description)
            let result = try await body(context, names)
            await supervisor.stopAll()
            return result
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: master), .init(service: broker), .init(service: SupervisorService(supervisor)),
                    .init(
                        service: job, successTerminationBehavior: .gracefullyShutdownGroup,
                        failureTerminationBehavior: .gracefullyShutdownGroup),
                ],
                // The command decides what a signal means (`lutf run`: finish the running test's record).
                gracefulShutdownSignals: [], logger: logger))
        do {
            try await group.run()
        } catch {
            outcome.fail(error)
        }
        outcome.fail(LUTFError(.failure, "the cluster stopped before the run was done"))  // ignored once set
        return try await outcome.value
    }

    /// What runs on a cluster, as the last service of its group.
    private struct Work<T: Sendable>: Service {
        let outcome: OneShot<T>
        let body: @Sendable () async throws -> T

        func run() async throws {
            do {
                outcome.succeed(try await body())
            } catch {
                outcome.fail(error)
                throw error
            }
        }
    }

    /// The running master and what runs tests on it.
    public struct Context: Sendable {
        public var master: Master
        public var broker: ScriptBroker
        public var supervisor: ProcessSupervisor
        public var runtime: PythonRuntime
        public var logger: Logger
        /// The master's address as agents know it (for the scripts' environment).
        public var masterAddress: String

        public init(
            master: Master, broker: ScriptBroker, supervisor: ProcessSupervisor, runtime: PythonRuntime, logger: Logger,
            masterAddress: String
        ) {
            self.master = master
            self.broker = broker
            self.supervisor = supervisor
            self.runtime = runtime
            self.logger = logger
            self.masterAddress = masterAddress
        }
    }

    /// Runs `suites` on the agents `names` of a running master: the run's environment, a warm
    /// Python worker on each agent, every test, and the workers stopped at the end.
    public static func execute(
        _ suites: [Suite], on names: [String], runID: String, writer: ResultsWriter, context: Context,
        settings: RunSettings, progress: @escaping @Sendable (String) -> Void,
        interruption: @escaping @Sendable () -> Interruption = { Interruption() }
    ) async -> [TestResult] {
        let master = context.master
        await begin(runID, on: names, resultsDirectory: writer.directory, context: context)
        let runner = TestRunner(
            master: master, broker: context.broker, runtime: context.runtime, supervisor: context.supervisor,
            writer: writer, settings: settings, runID: runID, logger: context.logger, progress: progress,
            interruption: interruption)
        let results = await runner.run(suites)
        await end(runID, on: names, context: context)
        return results
    }

    /// Ends `runID`: the agents stop its Python workers, the broker forgets it.
    public static func end(_ runID: String, on names: [String], context: Context) async {
        let master = context.master
        await everyAgent(names) { name in
            _ = try? await master.call(name, ["type": "end_run", "run": .string(runID)], timeout: 10)
        }
        context.broker.end(run: runID)
    }

    /// Makes `runID` the broker's run (with the environment scripts see on every node) and warms
    /// a Python worker on each agent.
    public static func begin(_ runID: String, on names: [String], resultsDirectory: String, context: Context) async {
        var env = OrderedDictionary<String, Value>()
        for (k, v) in RunContext.passedThrough(ProcessInfo.processInfo.environment).sorted(by: { $0.key < $1.key }) {
            env[k] = .string(v)
        }
        env["LUTF_RUN"] = .string(runID)
        env["LUTF_MASTER"] = .string(context.masterAddress)
        env["LUTF_RESULTS"] = .string(resultsDirectory)
        env["LUTF_AGENTS"] = .string(names.joined(separator: ","))
        context.broker.begin(run: RunContext(id: runID, resultsDirectory: resultsDirectory, environment: .map(env)))
        let master = context.master
        await everyAgent(names) { name in
            _ = try? await master.call(name, ["type": "start_run", "run": .string(runID)], timeout: 30)
        }
    }

    public static func everyAgent(_ names: [String], _ body: @escaping @Sendable (String) async -> Void) async {
        await withTaskGroup(of: Void.self) { group in
            for name in names { group.addTask { await body(name) } }
        }
    }

    /// Waits until every agent in `names` is alive; fails naming those that are not, with the
    /// reason if their process ended.
    static func waitForAgents(
        _ names: [String], master: Master, processes: [ChildProcess], timeout: Double,
        interruption: Interruption = Interruption()
    ) async throws {
        let deadline = ContinuousClock.now + .seconds(timeout)
        // Woken by what can change the answer (a join or death, an agent process's exit, an
        // interruption, the deadline), not by a timer.
        let (wakeups, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let events = await master.registry.events()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { for await _ in events { wake.yield() } }
            for process in processes where names.contains(process.name) {
                group.addTask {
                    _ = try? await process.waitForExit()
                    wake.yield()
                }
            }
            group.addTask {
                _ = try? await interruption.wait()
                wake.yield()
            }
            group.addTask {
                try? await Task.sleep(until: deadline)
                wake.yield()
            }
            defer { group.cancelAll() }
            var next = wakeups.makeAsyncIterator()
            try await check(
                names, master: master, processes: processes, timeout: timeout, interruption: interruption,
                deadline: deadline
            ) { await next.next() }
        }
    }

    /// The checks of ``waitForAgents(_:master:processes:timeout:interruption:)``, each time
    /// `woken` returns.
    private static func check(
        _ names: [String], master: Master, processes: [ChildProcess], timeout: Double, interruption: Interruption,
        deadline: ContinuousClock.Instant, woken: () async -> Void?
    ) async throws {
        while true {
            let missing = await master.registry.notAlive(names)
            if missing.isEmpty { return }
            if let reason = interruption.reason {
                throw LUTFError(
                    .cancelled, "interrupted (\(reason)) while waiting for agents \(missing.joined(separator: ", "))")
            }
            let exited = processes.filter { $0.exitStatus != nil && missing.contains($0.name) }
            if !exited.isEmpty || ContinuousClock.now >= deadline {
                let reasons = missing.map { name -> String in
                    guard let process = processes.first(where: { $0.name == name }) else { return name }
                    let last = process.log.split(separator: "\n").last.map(String.init) ?? "no output"
                    if let status = process.exitStatus { return "\(name) (exited with \(status): \(last))" }
                    return "\(name) (\(last))"
                }
                throw LUTFError(
                    .setup,
                    "agents did not join within \(timeout.secondsText): \(reasons.joined(separator: "; "))")
            }
            await woken()
        }
    }

    static func display(_ path: String) -> String {
        let cwd = FileManager.default.currentDirectoryPath + "/"
        return path.hasPrefix(cwd) ? String(path.dropFirst(cwd.count)) : path
    }

    static func summaryLine(_ summary: RunSummary, elapsed: Double) -> String {
        let results = summary.results
        var parts = ["\(results.filter { $0.status == .pass }.count) passed"]
        parts.append("\(results.filter { $0.status == .fail }.count) failed")
        let skipped = results.filter { $0.status == .skip && !$0.expectedFailure }.count
        parts.append("\(skipped) skipped")
        let xfail = results.filter(\.expectedFailure).count
        if xfail > 0 { parts.append("\(xfail) expected failure\(xfail == 1 ? "" : "s")") }
        let xpass = results.filter(\.unexpectedPass).count
        if xpass > 0 { parts.append("\(xpass) unexpected pass\(xpass == 1 ? "" : "es")") }
        return
            "\(results.count) test\(results.count == 1 ? "" : "s"): \(parts.joined(separator: ", ")) in \(elapsed.secondsText); results: \(display(summary.directory))"
    }
}
