import Foundation
import LUTFCore
import Synchronization

/// One running test as the master sees it: which script, its deadline, the agents it called,
/// its log of remote calls, and the result its script reports.
public final class TestSession: Sendable {
    /// Unique within the master's life: `samples/sample_02#7`.
    public let id: String
    /// The run the test belongs to (its environment, its Python workers on the agents).
    public let run: String
    public let suite: String
    public let key: String
    public let script: String
    public let callbacks: String?
    public let params: Value
    public let noClean: Bool
    /// The token the test's Python process introduces itself with.
    public let token: String
    /// The run's work directory for this test (logs).
    public let directory: String
    /// Reported by the script: `{status, error, details, traceback}`.
    public let result = OneShot<Value>()
    private let state: Mutex<State>
    private let log: LogSink?
    private let toolLog: LogSink?
    private let timeline: LogSink?

    private struct State {
        var deadlineSeconds: Double
        /// Succeeds (and is replaced) when the deadline moves.
        var deadlineMoved = OneShot<Void>()
        var calledAgents: Set<String> = []
        var deaths: [(agent: String, reason: String)] = []
    }

    public let startedAt = Monotonic.nanoseconds()

    public init(
        id: String, run: String, suite: String, key: String, script: String, callbacks: String?, params: Value,
        noClean: Bool, timeout: Double, directory: String, token: String = HostInfo.randomToken(bytes: 16)
    ) {
        self.token = token
        self.id = id
        self.run = run
        self.suite = suite
        self.key = key
        self.script = script
        self.callbacks = callbacks
        self.params = params
        self.noClean = noClean
        self.directory = directory
        self.state = Mutex(State(deadlineSeconds: timeout))
        self.log = try? LogSink.file(directory + "/rpc.log")
        self.toolLog = try? LogSink.file(directory + "/tools.jsonl")
        self.timeline = try? LogSink.file(directory + "/timeline.jsonl")
    }

    /// Milliseconds from the test's start to `instant` (a ``Monotonic`` reading), to 0.1 ms.
    public func milliseconds(at instant: Int64 = Monotonic.nanoseconds()) -> Double {
        (Double((instant - startedAt) / 100_000) / 10)
    }

    /// Appends what happened during the test to its `timeline.jsonl` (the report's timeline),
    /// one JSON object per line: a remote call (`kind: call`, `node`, `caller`, `what`,
    /// `start_ms`, `end_ms`, `ok`, `result`), or a mark (`kind` event_set, event_wait,
    /// barrier_arrive, barrier_release, barrier_break, agent_death, agent_reconnect, with
    /// `node`, `at_ms`, `name`, `label`). Times are ms since the test started, on the master's
    /// one monotonic clock.
    public func record(_ entry: OrderedDictionaryValue) {
        timeline?.write(JSONText.encodeString(.map(entry)) + "\n")
    }

    /// Records a mark now.
    public func mark(_ kind: String, node: String, name: String? = nil, label: String) {
        var entry: OrderedDictionaryValue = [
            "kind": .string(kind), "node": .string(node), "at_ms": .double(milliseconds()), "label": .string(label),
        ]
        if let name { entry["name"] = .string(name) }
        record(entry)
    }

    /// Seconds from the test's start to its deadline.
    public var timeout: Double {
        get { state.withLock { $0.deadlineSeconds } }
        set {
            let moved = state.withLock { state in
                state.deadlineSeconds = newValue
                defer { state.deadlineMoved = OneShot() }
                return state.deadlineMoved
            }
            moved.succeed(())
        }
    }

    /// Returns when the deadline has passed, or when it was moved (the script's TIMEOUT) while
    /// waiting; `false` if cancelled first.
    public func deadlinePassedOrMoved() async -> Bool {
        let (left, moved) = state.withLock {
            ($0.deadlineSeconds - Monotonic.secondsSince(startedAt), $0.deadlineMoved)
        }
        if left <= 0 { return true }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await Task.sleep(for: .seconds(left))) != nil }
            group.addTask { (try? await moved.value) != nil }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    /// Whether the deadline has passed.
    public var deadlinePassed: Bool { Monotonic.secondsSince(startedAt) >= timeout }

    /// Seconds left before the deadline (at least a little, so late calls still get an answer).
    public var remaining: Double {
        max(0.1, timeout - Monotonic.secondsSince(startedAt))
    }

    /// Records that `agent` was called during the test (it gets `end_test` at the end).
    public func called(_ agent: String) {
        state.withLock { _ = $0.calledAgents.insert(agent) }
    }

    public var calledAgents: Set<String> { state.withLock { $0.calledAgents } }

    /// Records that `agent` died while the test ran.
    public func agentDied(_ agent: String, reason: String) {
        state.withLock { $0.deaths.append((agent, reason)) }
        mark("agent_death", node: agent, label: "agent '\(agent)' died: \(reason)")
    }

    /// The first death, during the test, of an agent the test called, as an error message.
    public var deathOfCalledAgent: String? {
        state.withLock { state in
            state.deaths.first { state.calledAgents.contains($0.agent) }.map {
                "agent '\($0.agent)' died during the test: \($0.reason)"
            }
        }
    }

    /// What the test's Python process learns in its `hello`.
    public var description: Value {
        var test: OrderedDictionaryValue = [
            "id": .string(id), "suite": .string(suite), "key": .string(key), "script": .string(script),
            "params": params, "no_clean": .bool(noClean), "timeout": .double(timeout),
        ]
        if let callbacks { test["callbacks"] = .string(callbacks) }
        return .map(test)
    }

    /// Appends a line to the test's log of remote calls.
    public func logCall(_ line: String) {
        log?.write("\(line)\n")
    }

    /// Appends the tools a remote call ran on `node` (lnetctl, lctl, lst, ... with their exit
    /// status and output, in order) to the test's `tools.jsonl`, one JSON object per line with
    /// `node`, `call`, `call_ms` (when the call started, in ms since the test started: the order
    /// of calls as the master saw them) and `index` (the order within the call).
    public func logTools(_ records: Value?, node: String, call: String, startedAt: Int64) {
        guard let toolLog, let records = records?.listValue, !records.isEmpty else { return }
        let offset = Double((startedAt - self.startedAt) / 1000) / 1000
        var text = ""
        for (index, record) in records.enumerated() {
            var line: OrderedDictionaryValue = [
                "node": .string(node), "call": .string(call), "call_ms": .double(offset), "index": .int(index),
            ]
            for (key, value) in record.mapValue ?? [:] { line[key] = value }
            text += JSONText.encodeString(.map(line)) + "\n"
        }
        toolLog.write(text)
    }

    /// How much of a call's result the timeline keeps.
    public static let resultSummaryLength = 200

    /// Records a remote call that started at `start` and ends now.
    public func recordCall(node: String, caller: String, what: String, start: Int64, ok: Bool, result: String) {
        record([
            "kind": "call", "node": .string(node), "caller": .string(caller), "what": .string(what),
            "start_ms": .double(milliseconds(at: start)), "end_ms": .double(milliseconds()), "ok": .bool(ok),
            "result": .string(String(result.prefix(Self.resultSummaryLength))),
        ])
    }
}
