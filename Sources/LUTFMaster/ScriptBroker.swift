import Foundation
import LUTFCore
import LUTFWire
import Logging
import NIOCore
import OrderedCollections
import ServiceLifecycle
import Synchronization

/// The master's side of the Python API: it answers the requests of test scripts (over a local
/// socket) and of code running on agents (forwarded as `service` RPCs), the same way for both.
///
/// Requests: `hello`, `agents`, `environment`, `interfaces`, `call` (routed to an agent), and
/// from a test's own process `timeout` (its `TIMEOUT`) and `result`. Extra operations (events,
/// barriers) are added with ``register(_:_:)``.
public final class ScriptBroker: MasterServiceHandler, Sendable {
    /// Answers one operation; `session` is the test the request belongs to, if any.
    public typealias Operation =
        @Sendable (_ request: Value, _ session: TestSession?, _ caller: String) async throws ->
        Value

    public let master: Master
    /// Events and barriers of the running tests.
    public let sync = SyncHub()
    private let directory: String
    private let logger: Logger
    private let listening = OneShot<String>()
    private let state = Mutex<State>(State())
    private let operations = Mutex<[String: Operation]>([:])

    private struct State {
        /// Runs that have begun and not ended, by id, and the latest (for callers outside a test).
        var runs: [String: RunContext] = [:]
        var latestRun: String?
        var sessionsByToken: [String: TestSession] = [:]
        var sessionsByID: [String: TestSession] = [:]
        /// Tokens of Python processes started before their test's turn: their hello waits until
        /// the session with that token is added (``expect(token:)``).
        var expected: [String: OneShot<TestSession>] = [:]
        /// Hellos waiting for their session.
        var heldHellos = 0
        /// Operations only one session may request (a shell's), by session id.
        var sessionOperations: [String: [String: Operation]] = [:]
    }

    /// - Parameter directory: where the local socket is created (mode 0700).
    public init(master: Master, directory: String, logger: Logger) {
        self.master = master
        self.directory = directory
        self.logger = logger
        registerSynchronisation(sync)
    }

    /// The local socket path scripts connect to, once listening.
    public func socketPath() async throws -> String { try await listening.value }

    /// Adds an operation scripts and agents may request.
    public func register(_ name: String, _ operation: @escaping Operation) {
        operations.withLock { $0[name] = operation }
    }

    // MARK: Runs and tests

    /// Adds an operation only `session` may request; it goes when the session is removed.
    public func register(_ name: String, for session: TestSession, _ operation: @escaping Operation) {
        state.withLock { $0.sessionOperations[session.id, default: [:]][name] = operation }
    }

    /// Starts `run`: its environment is what its scripts see. Several runs may be going at once
    /// (a submitted run and a remote shell); each test session belongs to one.
    public func begin(run: RunContext) {
        state.withLock {
            $0.runs[run.id] = run
            $0.latestRun = run.id
        }
    }

    /// Ends run `id`.
    public func end(run id: String) {
        state.withLock {
            $0.runs[id] = nil
            if $0.latestRun == id { $0.latestRun = nil }
        }
    }

    /// The run of `session`; for a request outside any test, the latest run begun.
    public func run(of session: TestSession?) -> RunContext? {
        state.withLock { state in
            if let session { return state.runs[session.run] }
            return state.latestRun.flatMap { state.runs[$0] }
        }
    }

    /// Starts accepting requests for `session`, and answers the hello of a process started for
    /// it ahead of time (``expect(token:)``).
    public func add(_ session: TestSession) {
        let waiting = state.withLock {
            $0.sessionsByToken[session.token] = session
            $0.sessionsByID[session.id] = session
            return $0.expected.removeValue(forKey: session.token)
        }
        waiting?.succeed(session)
    }

    /// Lets a process with `token` say hello before its session exists: it is answered when the
    /// session is added. The runner starts a test's Python process while the test before it
    /// runs, so that Python's start is not on any test's clock.
    public func expect(token: String) {
        state.withLock { $0.expected[token] = OneShot() }
    }

    /// How many hellos wait for their session now.
    public var heldHellos: Int { state.withLock { $0.heldHellos } }

    /// Refuses, from now on, the process that was expected with `token` (its test is not run).
    public func forget(token: String) {
        let waiting = state.withLock { $0.expected.removeValue(forKey: token) }
        waiting?.fail(LUTFError(.refused, "the test this process was started for is not run"))
    }

    /// Tells every running test, and every barrier, that `agent` died.
    public func agentDied(_ agent: String, reason: String) async {
        for session in state.withLock({ Array($0.sessionsByID.values) }) {
            session.agentDied(agent, reason: reason)
        }
        await sync.agentDied(agent, reason: reason)
    }

    /// Marks on every running test's timeline that `agent` joined (again) while it ran.
    public func agentJoined(_ agent: String) {
        for session in state.withLock({ Array($0.sessionsByID.values) }) {
            session.mark("agent_reconnect", node: agent, label: "agent '\(agent)' joined")
        }
    }

    /// Stops accepting requests for `session` and drops its events and barriers (failing any
    /// wait still pending).
    public func remove(_ session: TestSession) async {
        state.withLock {
            $0.sessionsByToken[session.token] = nil
            $0.sessionsByID[session.id] = nil
            $0.sessionOperations[session.id] = nil
        }
        await sync.end(scope: session.id)
    }

    // MARK: Local socket

    /// Listens on the local socket until cancelled.
    public func run() async throws {
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let path = directory + "/master.sock"
        let listener = try await LocalSocket.listen(at: path)
        listening.succeed(path)
        let events = await master.registry.events()
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask {
                    for await event in events {
                        switch event {
                        case .died(let agent, let reason): await self.agentDied(agent, reason: reason)
                        case .joined(let agent): self.agentJoined(agent)
                        }
                    }
                }
                try await listener.executeThenClose { inbound in
                    for try await connection in inbound {
                        group.addTask { await self.serveLocal(connection) }
                    }
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            listener.channel.close(promise: nil)
        }
    }

    private func serveLocal(_ connection: LineChannel) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                var session: TestSession?
                try await withThrowingDiscardingTaskGroup { group in
                    for try await message in inbound {
                        if message["re"] != nil { continue }
                        if session == nil {
                            let token = message["op"] == "hello" ? message["token"]?.stringValue : nil
                            let known = token.flatMap { token in
                                state.withLock { state in
                                    state.sessionsByToken[token].map(OneShot.completed) ?? state.expected[token]
                                }
                            }
                            guard let known else {
                                let error = LUTFError(.refused, "unknown script token: connect through `lutf run`")
                                try await outbound.write(Line(LineEndpoint.answer(to: message, .failure(error))))
                                return
                            }
                            let held = known.current == nil
                            if held { state.withLock { $0.heldHellos += 1 } }
                            defer { if held { state.withLock { $0.heldHellos -= 1 } } }
                            do {
                                session = try await known.value
                            } catch let error as LUTFError {
                                try await outbound.write(Line(LineEndpoint.answer(to: message, .failure(error))))
                                return
                            }
                        }
                        let current = session
                        group.addTask {
                            let answer = await self.answer(message, session: current, caller: self.master.settings.name)
                            if message["noreply"]?.boolValue != true { try await outbound.write(Line(answer)) }
                        }
                    }
                    group.cancelAll()
                }
            }
        } catch {
            logger.debug("script channel ended: \(error)")
        }
    }

    private func answer(_ request: Value, session: TestSession?, caller: String) async -> Value {
        do {
            return LineEndpoint.answer(
                to: request, .success(try await handle(request, session: session, caller: caller)))
        } catch let error as LUTFError {
            return LineEndpoint.answer(to: request, .failure(error))
        } catch {
            let op = request["op"]?.plainText ?? "?"
            return LineEndpoint.answer(to: request, .failure(LUTFError(.failure, "master: \(op) failed: \(error)")))
        }
    }

    /// Answers a request of the Python process whose session has `token`, arriving some other
    /// way than the local socket (a shell on another machine, through the control API).
    public func answerForToken(_ token: String, request: Value) async -> Value {
        guard let session = state.withLock({ $0.sessionsByToken[token] }) else {
            return LineEndpoint.answer(to: request, .failure(LUTFError(.refused, "unknown or ended shell session")))
        }
        return await answer(request, session: session, caller: master.settings.name)
    }

    // MARK: Requests from agents

    public func serve(operation: String, parameters: Value, caller: String) async throws -> Value {
        // Only the test's own script process (on the local socket, with its token) records its
        // result or sets its deadline; an agent, or code it runs, cannot (the test id is known
        // to every agent).
        if Self.scriptOnly.contains(operation) {
            logger.warning(
                "refused '\(operation)' from agent '\(caller)' for test \(parameters["test"]?.plainText ?? "?"): only the test's own script may record its result or deadline"
            )
            throw LUTFError(
                .refused, "'\(operation)' is for the test's own script process; agent '\(caller)' may not request it")
        }
        var session: TestSession?
        if let test = parameters["test"]?.stringValue {
            session = state.withLock { $0.sessionsByID[test] }
            if session == nil {
                throw LUTFError(.cancelled, "test \(test) has ended: requests made for it are refused")
            }
        }
        var request = parameters.mapValue ?? [:]
        request["op"] = .string(operation)
        return try await handle(.map(request), session: session, caller: caller)
    }

    /// Operations only a test's own script process may request.
    static let scriptOnly: Set<String> = ["result", "timeout", "hello"]

    // MARK: Operations

    private func handle(_ request: Value, session: TestSession?, caller: String) async throws -> Value {
        let op = request["op"]?.stringValue ?? ""
        switch op {
        case "hello":
            var info: OrderedDictionary<String, Value> = [
                "me": [
                    "name": .string(master.settings.name), "hostname": .string(HostInfo.hostname), "role": "master",
                ],
                "environment": run(of: session)?.environment ?? [:],
                "run": .string(run(of: session)?.id ?? ""),
            ]
            if let session { info["test"] = session.description }
            return .map(info)
        case "ping":
            return "pong"
        case "environment":
            return run(of: session)?.environment ?? [:]
        case "agents":
            let alive = await master.registry.snapshot().filter { $0.state == .alive }
            return .list(alive.sorted { $0.name < $1.name }.map(\.value))
        case "interfaces":
            return .list(NetworkInterface.discover().map(\.summaryValue))
        case "timeout":
            guard let session, let seconds = request["seconds"]?.doubleValue, seconds > 0 else {
                throw LUTFError(.usage, "timeout: needs a test and a positive 'seconds'")
            }
            session.timeout = seconds
            return .double(seconds)
        case "result":
            guard let session else { throw LUTFError(.usage, "result: not a test's process") }
            session.result.succeed(request)
            return true
        case "call":
            return try await call(request, session: session, caller: caller)
        default:
            let scoped = session.flatMap { session in state.withLock { $0.sessionOperations[session.id]?[op] } }
            if let operation = scoped ?? operations.withLock({ $0[op] }) {
                return try await operation(request, session, caller)
            }
            let known =
                ["hello", "ping", "environment", "agents", "interfaces", "timeout", "result", "call"]
                + operations.withLock { Array($0.keys).sorted() }
            throw LUTFError(.notFound, "the master has no operation '\(op)' (known: \(known.joined(separator: ", ")))")
        }
    }

    /// Routes a remote call to its agent and logs it in the test's call log.
    private func call(_ request: Value, session: TestSession?, caller: String) async throws -> Value {
        guard let target = request["target"]?.stringValue else {
            throw LUTFError(.usage, "call: no 'target' agent")
        }
        let type = request["type"]?.stringValue ?? "method_call"
        var fields: OrderedDictionary<String, Value> = ["type": .string(type)]
        for key in ["module", "script", "class", "method", "fname", "instance"] {
            if let value = request[key], !value.isNull { fields[key] = value }
        }
        fields["parameters"] = ["args": request["args"] ?? [], "kwargs": request["kwargs"] ?? [:]]
        if let run = run(of: session)?.id { fields["run"] = .string(run) }
        if let session { fields["test"] = .string(session.id) }
        // A call bounded only by its test's deadline ends a second after it, so the test's own
        // deadline fires first: the test is recorded "timed out" and torn down, not failed with
        // the call's timeout.
        let timeout = request["timeout"]?.doubleValue ?? session.map { $0.remaining + 1 } ?? 300
        session?.called(target)
        let what = Self.describe(type: type, request: request)
        let start = Monotonic.nanoseconds()
        do {
            var value = try await master.call(target, fields, timeout: timeout)
            session?.logTools(value["tools"], node: target, call: what, startedAt: start)
            value = value.removing("tools")
            session?.recordCall(
                node: target, caller: caller, what: what, start: start, ok: true,
                result: value["output"]?.stringValue ?? value["value"]?.plainText(
                    prefix: TestSession.resultSummaryLength) ?? "")
            session?.logCall(
                "\(LogSink.timestamp()) \(caller) -> \(target) \(what): ok in \(Self.milliseconds(since: start))"
                    + Self.indented(value["output"]?.stringValue))
            return value
        } catch var error as LUTFError {
            session?.logTools(error.details["tools"], node: target, call: what, startedAt: start)
            error.details.removeValue(forKey: "tools")
            session?.recordCall(
                node: target, caller: caller, what: what, start: start, ok: false,
                result: "\(error.code): \(error.message)")
            session?.logCall(
                "\(LogSink.timestamp()) \(caller) -> \(target) \(what): \(error.code) in \(Self.milliseconds(since: start)): \(error.message)"
                    + Self.indented(error.details["output"]?.stringValue)
                    + Self.indented(error.details["remote_traceback"]?.stringValue))
            throw error
        }
    }

    static func describe(type: String, request: Value) -> String {
        let cls = request["class"]?.stringValue ?? "?"
        switch type {
        case "instantiate_class": return "\(cls)()"
        case "method_call": return "\(cls).\(request["method"]?.stringValue ?? "?")()"
        case "function_call": return "\(request["fname"]?.stringValue ?? "?")()"
        case "destroy_class": return "drop \(cls) \(request["instance"]?.plainText ?? "")"
        default: return type
        }
    }

    static func milliseconds(since start: Int64) -> String {
        let ms = Monotonic.secondsSince(start) * 1000
        return "\((ms * 100).rounded() / 100) ms"
    }

    static func indented(_ text: String?) -> String {
        guard let text, !text.isEmpty else { return "" }
        return "\n"
            + text.split(separator: "\n", omittingEmptySubsequences: false).map { "    | " + $0 }.joined(
                separator: "\n")
    }
}
