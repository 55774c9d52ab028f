import Foundation
import LUTFCore
import LUTFWire
import Logging
import NIOCore
import OrderedCollections
import Synchronization

/// Runs the Python calls of test scripts on this agent: one warm worker process per run.
///
/// A worker is started on a run's first call (or when the master announces the run) and kept
/// until the run ends, so calls do not pay interpreter start-up. Calls run concurrently in the
/// worker. A worker that dies fails its calls in flight with a message saying how it died, and
/// the next call starts a new one. When a test ends its instances are dropped; if calls of the
/// test are still running the worker is killed, so nothing of a finished test keeps running.
public final class PythonWorkerPool: AgentCallHandler, Sendable {
    public static let callTypes: Set<String> = [
        "instantiate_class", "method_call", "destroy_class", "function_call", "start_run", "end_test", "end_run",
    ]

    private let directory: String
    private let logger: Logger
    private let supervisor = ProcessSupervisor()
    private let listening = OneShot<String>()
    private let workers = Mutex<[String: PythonWorker]>([:])
    private let waitingForHello = Mutex<[String: PythonWorker]>([:])
    /// Extra environment for workers (the LNet simulator's settings).
    private let extraEnvironment: [String: String]

    /// - Parameter directory: where the socket and worker logs go (created, mode 0700).
    public init(directory: String, extraEnvironment: [String: String] = [:], logger: Logger) {
        self.directory = directory
        self.extraEnvironment = extraEnvironment
        self.logger = logger
    }

    public func accepts(_ request: OrderedDictionary<String, Value>) -> Bool {
        guard let type = request["type"]?.stringValue, Self.callTypes.contains(type) else { return false }
        return type != "function_call" || !(request["script"] ?? .null).isNull
    }

    // MARK: Background

    public func run(agent: Agent) async throws {
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let socket = directory + "/workers.sock"
        let listener = try await LocalSocket.listen(at: socket)
        listening.succeed(socket)
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await self.supervisor.run() }
            try await listener.executeThenClose { inbound in
                for try await connection in inbound {
                    group.addTask { await self.serve(connection, agent: agent) }
                }
            }
        }
    }

    /// Serves one worker's channel: its hello, its requests (answered here or by the master),
    /// and the answers to our calls.
    private func serve(_ connection: LineChannel, agent: Agent) async {
        var worker: PythonWorker?
        do {
            try await connection.executeThenClose { inbound, outbound in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await message in inbound {
                        if message["re"] != nil {
                            worker?.endpoint.current?.deliver(message)
                            continue
                        }
                        if worker == nil {
                            guard message["op"] == "hello", let token = message["token"]?.stringValue,
                                let found = waitingForHello.withLock({ $0.removeValue(forKey: token) })
                            else {
                                logger.warning("refused a local connection that did not introduce itself as a worker")
                                return
                            }
                            worker = found
                            found.endpoint.succeed(LineEndpoint(channel: connection.channel, peerName: "Python worker"))
                        }
                        let run = worker!.run
                        group.addTask {
                            let answer = await self.answerWorker(message, run: run, agent: agent)
                            if message["noreply"]?.boolValue != true { try await outbound.write(Line(answer)) }
                        }
                    }
                    group.cancelAll()
                }
            }
        } catch {
            logger.debug("worker channel ended: \(error)")
        }
        if let worker { await workerGone(worker, agent: agent) }
    }

    /// Answers a request from a worker: `hello` and `interfaces` here, the rest by the master.
    private func answerWorker(_ message: Value, run: String, agent: Agent) async -> Value {
        let op = message["op"]?.stringValue ?? ""
        do {
            switch op {
            case "hello":
                let environment = try await agent.callMaster("environment", ["run": .string(run)], timeout: 30)
                return LineEndpoint.answer(
                    to: message,
                    .success([
                        "me": [
                            "name": .string(agent.settings.name), "hostname": .string(HostInfo.hostname),
                            "role": .string(agent.settings.role),
                        ],
                        "environment": environment, "run": .string(run),
                    ]))
            case "interfaces":
                return LineEndpoint.answer(to: message, .success(agent.interfacesValue))
            default:
                var parameters = message.mapValue ?? [:]
                parameters.removeValue(forKey: "id")
                parameters["run"] = .string(run)
                let timeout = message["timeout"]?.doubleValue ?? 3600
                let value = try await agent.callMaster(op, .map(parameters), timeout: timeout + 5)
                return LineEndpoint.answer(to: message, .success(value))
            }
        } catch let error as LUTFError {
            return LineEndpoint.answer(to: message, .failure(error))
        } catch {
            return LineEndpoint.answer(to: message, .failure(LUTFError(.failure, "\(op): \(error)")))
        }
    }

    // MARK: Calls

    /// Calls end at their deadline through the worker's channel (``LineEndpoint/request``).
    public var enforcesDeadline: Bool { true }

    public func handle(_ request: OrderedDictionary<String, Value>, agent: Agent) async throws -> Value {
        let run = request["run"]?.stringValue ?? "default"
        let type = request["type"]?.stringValue ?? ""
        switch type {
        case "start_run":
            _ = try await worker(for: run, agent: agent)
            return true
        case "end_run":
            if let worker = workers.withLock({ $0.removeValue(forKey: run) }) {
                _ = try? await worker.process.value.stop()
            }
            return true
        case "end_test":
            return try await endTest(request["test"]?.stringValue ?? "", run: run)
        default:
            break
        }
        let worker = try await worker(for: run, agent: agent)
        let endpoint = try await ready(worker, agent: agent)
        var fields = OrderedDictionary<String, Value>()
        for key in ["type", "module", "script", "class", "method", "fname", "instance", "test"] {
            if let value = request[key] { fields[key] = value }
        }
        fields["args"] = request["parameters"]?["args"] ?? []
        fields["kwargs"] = request["parameters"]?["kwargs"] ?? [:]
        // The request's deadline, exactly: the worker's answer or this error ends the call.
        let timeout = request["deadline"]?.doubleValue ?? 300
        let name = agent.settings.name
        return try await endpoint.request("call", fields, timeout: timeout) {
            LUTFError(.timeout, "the Python call on agent '\(name)' ran past its deadline of \(timeout.secondsText)")
        }
    }

    /// Drops the instances of `test`; stops the worker if calls of the test are still running in
    /// it (a Python thread cannot be stopped any other way), so nothing of the test runs on.
    private func endTest(_ test: String, run: String) async throws -> Value {
        guard let worker = workers.withLock({ $0[run] }), let endpoint = worker.endpoint.current else {
            return ["dropped": 0, "running": 0, "stopped_worker": false]
        }
        let answer = try await endpoint.request("end_test", ["test": .string(test)], timeout: 10) {
            LUTFError(.timeout, "the Python worker did not answer end_test for \(test) within 10 s")
        }
        let running = answer["running"]?.intValue ?? 0
        if running > 0 {
            workers.withLock { if $0[run] === worker { $0[run] = nil } }
            logger.info("test \(test) ended with \(running) call(s) still running in the Python worker: stopping it")
            _ = try? await worker.process.value.stop()
        }
        // What the test's code started and left running (a daemon that left its group included).
        let keep: Set<Int32> = (try? await worker.process.value.pid).map { [$0] } ?? []
        let strays = Strays.end(marked: "LUTF_RUN", value: run, keep: keep)
        if !strays.isEmpty {
            logger.warning("test \(test) left processes running; ended: \(strays.joined(separator: "; "))")
        }
        return [
            "dropped": answer["dropped"] ?? 0, "running": .int(running), "stopped_worker": .bool(running > 0),
            "strays": .list(strays.map(Value.string)),
        ]
    }

    /// The worker of `run`, started if there is none.
    private func worker(for run: String, agent: Agent) async throws -> PythonWorker {
        if let existing = workers.withLock({ $0[run] }) { return existing }
        let runtime = try await PythonRuntime.locate()
        let socket = try await listening.value
        let token = HostInfo.randomToken(bytes: 16)
        let worker = PythonWorker(run: run)
        let (winner, started) = workers.withLock { workers -> (PythonWorker, Bool) in
            if let existing = workers[run] { return (existing, false) }
            workers[run] = worker
            return (worker, true)
        }
        guard started else { return winner }
        waitingForHello.withLock { $0[token] = worker }
        var base = ProcessInfo.processInfo.environment
        for (k, v) in extraEnvironment { base[k] = v }
        let environment = runtime.environment(
            base: base, channel: socket, token: token, extraPaths: agent.settings.extraPythonPaths,
            extra: ["LUTF_NODE": agent.settings.name, "LUTF_RUN": run, "LUTF_ROLE": "agent", "LUTF_LIFELINE": "1"])
        let safeRun = run.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }
        do {
            var spec = ProcessSpec(
                name: "python-worker-\(run)", executable: runtime.interpreter, arguments: ["-m", "lutf._worker"],
                environment: environment, logPath: directory + "/worker-\(String(safeRun)).log")
            spec.lifeline = true
            let process = try await supervisor.start(spec)
            worker.process.succeed(process)
        } catch {
            workers.withLock { if $0[run] === worker { $0[run] = nil } }
            waitingForHello.withLock { $0[token] = nil }
            worker.process.fail(error)
            worker.endpoint.fail(error)
            throw error
        }
        return worker
    }

    /// The worker's channel once it has said hello; fails if the worker exits first or takes
    /// longer than 30 s.
    private func ready(_ worker: PythonWorker, agent: Agent) async throws -> LineEndpoint {
        if let endpoint = worker.endpoint.current { return endpoint }
        let name = agent.settings.name
        return try await withThrowingTaskGroup(of: LineEndpoint.self) { group in
            group.addTask { try await worker.endpoint.value }
            group.addTask {
                let process = try await worker.process.value
                let status = try await process.waitForExit()
                throw LUTFError(
                    .failure,
                    "the Python worker on agent '\(name)' exited before it was ready (\(status)); its log: \(process.spec.logPath ?? "-")"
                )
            }
            group.addTask {
                try await Task.sleep(for: .seconds(30))
                throw LUTFError(.timeout, "the Python worker on agent '\(name)' did not start within 30 s")
            }
            defer { group.cancelAll() }
            do {
                return try await group.next()!
            } catch {
                workers.withLock { if $0[worker.run] === worker { $0[worker.run] = nil } }
                throw error
            }
        }
    }

    /// A worker's channel closed: fail its calls with how it ended and forget it.
    private func workerGone(_ worker: PythonWorker, agent: Agent) async {
        workers.withLock { if $0[worker.run] === worker { $0[worker.run] = nil } }
        var how = "its channel closed"
        if let status = try? await withTimeout(seconds: 2, { try await worker.process.value.waitForExit() }) {
            how = "it exited with \(status)"
        }
        worker.endpoint.current?.failAll(
            LUTFError(
                .failure,
                "the Python worker on agent '\(agent.settings.name)' died during the call (\(how)); a new worker starts on the next call",
                details: ["node": .string(agent.settings.name)]))
    }
}

/// One Python worker process and its channel.
final class PythonWorker: Sendable {
    let run: String
    let endpoint = OneShot<LineEndpoint>()
    /// The worker's process once started (a concurrent caller may find the worker before that).
    let process = OneShot<ChildProcess>()

    init(run: String) {
        self.run = run
    }
}
