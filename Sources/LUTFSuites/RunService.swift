import Foundation
import LUTFCore
import LUTFMaster
import Logging
import OrderedCollections
import ServiceLifecycle
import Synchronization

/// The control API of a running master: RUN_TESTS (queue a run of suites on the connected
/// agents), COLLECT_RESULTS (its state and, once finished, its results and zip), and
/// FETCH_RESULTS (the zip, in pieces). Runs execute one at a time, in the order submitted.
public final class RunService: ControlHandler, Service, Sendable {
    public let operations = [
        "run_tests", "collect_results", "fetch_results", "shell_open", "shell_close", "shell_keepalive", "script",
    ]

    /// Remote shells open at once, at most.
    public static let maximumShells = 8
    /// Seconds a remote shell may go without a request or keepalive before the master closes
    /// it (its `lutf shell` sends one every 5 s while it lives).
    public static let shellLease = 30.0

    private let context: RunController.Context
    private let suitesPath: String
    private let resultsBase: String
    private let jobs = Mutex<OrderedDictionary<String, Job>>([:])
    /// Open remote shells by token: the shell, the agents its run started on, when it last spoke.
    private let shells = Mutex<[String: (shell: ShellService, agents: [String], seen: Int64)]>([:])
    private let queue: AsyncStream<String>
    private let queueInput: AsyncStream<String>.Continuation

    struct Job: Sendable {
        enum State: String, Sendable {
            case queued, running, finished, failed
        }

        var id: String
        var suites: [Suite]
        var settings: RunSettings
        var state = State.queued
        var directory: String?
        var bundle: String?
        var passed = false
        var counts = ""
        var error: String?
    }

    public init(context: RunController.Context, suitesPath: String, resultsBase: String) {
        self.context = context
        self.suitesPath = suitesPath
        self.resultsBase = resultsBase
        (queue, queueInput) = AsyncStream.makeStream()
    }

    /// Runs queued jobs one after another until cancelled, and closes remote shells whose
    /// `lutf shell` has gone silent (killed, or its machine gone) past their lease.
    public func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask {
                // Cancelled when the queue ends (graceful shutdown): a sleep cut short is no error.
                while (try? await Task.sleep(for: .seconds(Self.shellLease / 6))) != nil {
                    let now = Monotonic.nanoseconds()
                    let silent = self.shells.withLock { shells in
                        shells.filter { now - $0.value.seen > Int64(Self.shellLease * 1e9) }.map(\.key)
                    }
                    for token in silent {
                        self.context.logger.warning(
                            "closing a remote shell silent for over \(Self.shellLease.secondsText)")
                        _ = try? await self.closeShell(token)
                    }
                }
            }
            for await id in queue.cancelOnGracefulShutdown() {
                guard let job = jobs.withLock({ $0[id] }) else { continue }
                await execute(job)
            }
            group.cancelAll()
        }
    }

    /// Marks the shell with `token` as alive.
    private func touchShell(_ token: String) -> Bool {
        shells.withLock { shells in
            guard shells[token] != nil else { return false }
            shells[token]!.seen = Monotonic.nanoseconds()
            return true
        }
    }

    private func update(_ id: String, _ change: (inout Job) -> Void) {
        jobs.withLock { jobs in
            if var job = jobs[id] {
                change(&job)
                jobs[id] = job
            }
        }
    }

    private func execute(_ job: Job) async {
        update(job.id) { $0.state = .running }
        let names = await context.master.registry.liveLinks().map(\.name).sorted()
        guard !names.isEmpty else {
            update(job.id) {
                $0.state = .failed
                $0.error = "no agents are connected"
            }
            return
        }
        let started = Monotonic.nanoseconds()
        var directory = resultsBase + "/" + job.id
        do {
            // A new directory for the run, never one (or a link) that was there.
            directory = try SafePath.newDirectory(job.id, in: resultsBase)
            let writer = try ResultsWriter(directory: directory, suites: job.suites)
            context.logger.info(
                "run \(job.id): \(job.suites.map(\.name).joined(separator: ", ")) on \(names.joined(separator: ", "))")
            let results = await RunController.execute(
                job.suites, on: names, runID: job.id, writer: writer, context: context, settings: job.settings
            ) { [logger = context.logger] line in logger.info("run \(job.id): \(line)") }
            let bundle = try ResultsBundle.create(for: directory)
            let summary = RunSummary(results: results, directory: directory, bundle: bundle)
            update(job.id) {
                $0.state = .finished
                $0.directory = directory
                $0.bundle = bundle
                $0.passed = summary.exitCode == 0
                $0.counts = RunController.summaryLine(summary, elapsed: Monotonic.secondsSince(started))
            }
        } catch {
            update(job.id) {
                $0.state = .failed
                $0.error = "\(error)"
            }
        }
    }

    /// Starts a shell session for `lutf shell --master`: returns the token its Python process
    /// introduces itself with.
    private func openShell() async throws -> Value {
        if shells.withLock({ $0.count }) >= Self.maximumShells {
            throw LUTFError(
                .refused,
                "\(Self.maximumShells) remote shells are open already: close one (a shell ends with its lutf shell, or \(Self.shellLease.secondsText) after that stops answering)"
            )
        }
        let id = RunContext.newID()
        let names = await context.master.registry.liveLinks().map(\.name).sorted()
        let directory = resultsBase + "/shell-" + id
        await RunController.begin(id, on: names, resultsDirectory: directory, context: context)
        let shell = try ShellService(
            context: context, paths: [suitesPath], resultsDirectory: directory, settings: RunSettings(), runID: id)
        context.broker.add(shell.session)
        shells.withLock { $0[shell.session.token] = (shell, names, Monotonic.nanoseconds()) }
        return ["status": "Success", "token": .string(shell.session.token), "run": .string(id)]
    }

    /// Ends the remote shell with `token`: its session, its run and the run's Python workers.
    private func closeShell(_ token: String) async throws -> Value {
        guard let (shell, agents, _) = shells.withLock({ $0.removeValue(forKey: token) }) else {
            throw LUTFError(.notFound, "shell_close: no open shell with that token")
        }
        await context.broker.remove(shell.session)
        await RunController.end(shell.session.run, on: agents, context: context)
        return ["status": "Success"]
    }

    // MARK: Control operations

    public func handle(operation: String, request: Value) async -> Value? {
        do {
            switch operation {
            case "run_tests": return try await submit(request)
            case "collect_results": return try collect(request)
            case "fetch_results": return try fetch(request)
            case "shell_open": return try await openShell()
            case "shell_close": return try await closeShell(request["token"]?.stringValue ?? "")
            case "shell_keepalive":
                guard touchShell(request["token"]?.stringValue ?? "") else {
                    throw LUTFError(.notFound, "shell_keepalive: no open shell with that token (it was closed)")
                }
                return ["status": "Success"]
            case "script":
                _ = touchShell(request["token"]?.stringValue ?? "")
                // A remote shell's request, answered like a local script's.
                return await context.broker.answerForToken(
                    request["token"]?.stringValue ?? "", request: request["request"] ?? [:])
            default: return nil
            }
        } catch let error as LUTFError {
            return ["status": "Failure", "error": .string(error.message)]
        } catch {
            return ["status": "Failure", "error": .string("\(error)")]
        }
    }

    /// Checks a test configuration (the design document's `config: {type: tests-scripts,
    /// testsID, timeout, tests}`) and queues it.
    private func submit(_ request: Value) async throws -> Value {
        guard var config = request["tests"] else { throw LUTFError(.usage, "run_tests: no 'tests' block") }
        if let inner = config["config"] { config = inner }
        if let type = config["type"], type.stringValue != "tests-scripts" {
            throw LUTFError(.usage, "test configuration: 'type' must be tests-scripts, got '\(type.plainText)'")
        }
        let id = config["testsID"].map(\.plainText) ?? RunContext.newID()
        guard SafePath.isComponent(id) else {
            throw LUTFError(
                .usage,
                "test configuration: 'testsID' must be a plain name (letters, digits, '-', '_', '.', not starting with '.'), got '\(id)'"
            )
        }
        var settings = RunSettings()
        if let timeout = config["timeout"] {
            guard let seconds = timeout.doubleValue, seconds > 0 else {
                throw LUTFError(
                    .usage,
                    "test configuration: 'timeout' must be a positive number of seconds, got '\(timeout.plainText)'")
            }
            settings.timeout = seconds
        }
        let entries: [String]
        switch config["tests"] {
        case .list(let items): entries = items.map(\.plainText)
        case .map(let members):
            entries = members.sorted { (Int($0.key) ?? 0) < (Int($1.key) ?? 0) }.map { $0.value.plainText }
        case .string(let one): entries = [one]
        default: throw LUTFError(.usage, "test configuration: 'tests' must list test sets (suite names)")
        }
        guard !entries.isEmpty else { throw LUTFError(.usage, "test configuration: 'tests' is empty") }
        let all = try await SuiteCatalog.discover([suitesPath], runtime: context.runtime)
        var selection = Selection()
        for entry in entries {
            // A suite name, or suite/key: never a path.
            let parts = entry.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2, parts.allSatisfy({ SafePath.isComponent(String($0)) }) else {
                throw LUTFError(
                    .usage,
                    "test configuration: '\(entry)' in 'tests' is not a suite name or SUITE/TEST (suites: \(all.map(\.name).joined(separator: ", ")))"
                )
            }
            let name = entry.hasPrefix("suite_") ? String(entry.dropFirst(6)) : entry
            if let slash = name.firstIndex(of: "/") {
                selection.suites.append(String(name[..<slash]))
                selection.only.append(name)
            } else {
                selection.suites.append(name)
            }
        }
        if !selection.only.isEmpty {
            // Whole suites named alongside single scripts keep all their scripts.
            for suite in selection.suites where !entries.contains(where: { $0.hasPrefix(suite + "/") }) {
                selection.only += all.first { $0.name == suite }?.scripts.map(\.fullName) ?? []
            }
        }
        let suites = try selection.apply(to: all)
        let queued = try jobs.withLock { jobs -> Int in
            guard jobs[id] == nil else { throw LUTFError(.usage, "testsID '\(id)' was already submitted") }
            jobs[id] = Job(id: id, suites: suites, settings: settings)
            return jobs.values.filter { $0.state == .queued || $0.state == .running }.count
        }
        queueInput.yield(id)
        return [
            "status": "Success", "run": .string(id), "state": "queued", "ahead": .int(queued - 1),
            "tests": .int(suites.map(\.scripts.count).reduce(0, +)),
        ]
    }

    private func job(_ request: Value) throws -> Job {
        let id = request["id"]?.plainText ?? ""
        guard let job = jobs.withLock({ $0[id] }) else {
            let known = jobs.withLock { Array($0.keys) }
            throw LUTFError(
                .notFound, "no run '\(id)' (runs: \(known.isEmpty ? "none" : known.joined(separator: ", ")))")
        }
        return job
    }

    private func collect(_ request: Value) throws -> Value {
        let job = try job(request)
        var response: OrderedDictionary<String, Value> = [
            "status": "Success", "run": .string(job.id), "state": .string(job.state.rawValue),
        ]
        if let error = job.error { response["error"] = .string(error) }
        if job.state == .finished {
            response["passed"] = .bool(job.passed)
            response["summary"] = .string(job.counts)
            response["test_results"] = .string(job.bundle ?? "")
            if let directory = job.directory,
                let text = try? String(contentsOfFile: directory + "/results.yml", encoding: .utf8)
            {
                response["results"] = (try? YAMLText.decode(text)) ?? .string(text)
            }
        }
        return .map(response)
    }

    /// A piece of a finished run's zip: `data` (base64) from `offset`, and the `total` size.
    private func fetch(_ request: Value) throws -> Value {
        let job = try job(request)
        guard job.state == .finished, let bundle = job.bundle, let data = FileManager.default.contents(atPath: bundle)
        else {
            throw LUTFError(.usage, "run '\(job.id)' has no results to fetch (state \(job.state.rawValue))")
        }
        let offset = max(0, request["offset"]?.intValue ?? 0)
        let end = min(data.count, offset + (1 << 20))
        let piece = offset < end ? data.subdata(in: offset..<end) : Data()
        return [
            "status": "Success", "run": .string(job.id), "offset": .int(offset), "total": .int(data.count),
            "data": .string(piece.base64EncodedString()),
        ]
    }
}

extension ScriptBroker: Service {}

/// Runs a ``ProcessSupervisor`` as a service.
public struct SupervisorService: Service {
    public let supervisor: ProcessSupervisor

    public init(_ supervisor: ProcessSupervisor) {
        self.supervisor = supervisor
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await supervisor.run() }
    }
}
