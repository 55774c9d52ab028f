import Foundation
import LUTFCore
import LUTFMaster
import LUTFWire
import Logging

/// A master and agents on 127.0.0.1 for tests: the master as a `lutf master` process or in this
/// process, agents always as `lutf agent` processes of the built binary.
///
/// Use ``withTestCluster(_:)``: every process it starts is stopped when the body returns.
public final class TestCluster: Sendable {
    public let directory: String
    public let keyPath: String
    public let key: ClusterKey
    public let supervisor: ProcessSupervisor
    public let heartbeatInterval: Double
    private let masterBox = OneShot<HostPort>()

    init(directory: String, supervisor: ProcessSupervisor, heartbeatInterval: Double) throws {
        self.directory = directory
        self.keyPath = directory + "/cluster.key"
        self.key = try ClusterKey.writeNew(to: keyPath, force: true)
        self.supervisor = supervisor
        self.heartbeatInterval = heartbeatInterval
    }

    /// The master's address once it listens.
    public var masterAddress: HostPort {
        get async throws { try await masterBox.value }
    }

    /// Records where the master listens (for an in-process master started by the test).
    public func useMaster(at address: HostPort) {
        masterBox.succeed(address)
    }

    /// The environment for `lutf` child processes.
    public var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["LUTF_KEY"] = nil
        env["LUTF_MASTER"] = nil
        return env
    }

    /// Starts `lutf master` on 127.0.0.1 with port `port` (0 for a free one) and waits until it
    /// listens (its log says so).
    @discardableResult
    public func startMasterProcess(port: Int = 0, extraArguments: [String] = []) async throws -> ChildProcess {
        let log = directory + "/master-\(HostInfo.randomToken(bytes: 3)).log"
        let child = try await supervisor.start(
            ProcessSpec(
                name: "master", executable: TestSupport.binary,
                arguments: [
                    "master", "--listen", "127.0.0.1:\(port)", "--key", keyPath, "--heartbeat-interval",
                    "\(heartbeatInterval)", "--lifeline",
                ] + extraArguments, environment: environment, logPath: log, lifeline: true))
        var address: HostPort?
        // 0.1 s on an idle machine; generous because CI starts every suite's processes at once on two cores.
        try await TestSupport.waitUntil("master to listen (log \(log))", within: 30) {
            if let exit = child.exitStatus { throw LUTFError(.failure, "master exited (\(exit)): \(child.log)") }
            guard let line = child.log.split(separator: "\n").first(where: { $0.contains("master listening on") }),
                let range = line.range(of: "listening on ")
            else { return false }
            let rest = line[range.upperBound...].split(separator: " ").first.map(String.init) ?? ""
            address = try HostPort(parsing: rest, defaultPort: nil, what: "master log")
            return true
        }
        if masterBox.current == nil { masterBox.succeed(address!) }
        return child
    }

    /// Starts `lutf agent --name NAME` against the master and, unless `wait` is false, waits
    /// until the master lists it alive.
    @discardableResult
    public func startAgent(
        _ name: String, role: String? = nil, extraArguments: [String] = [], environment extra: [String: String] = [:],
        wait: Bool = true
    ) async throws -> ChildProcess {
        let master = try await masterAddress
        var env = environment
        for (k, v) in extra { env[k] = v }
        let child = try await supervisor.start(
            ProcessSpec(
                name: name, executable: TestSupport.binary,
                // A lifeline: a test process that crashes leaves no agent behind.
                arguments: ["agent", "--master", master.description, "--name", name, "--key", keyPath, "--lifeline"]
                    + (role.map { ["--role", $0] } ?? []) + extraArguments,
                environment: env, logPath: directory + "/agent-\(name)-\(HostInfo.randomToken(bytes: 3)).log",
                lifeline: true))
        if wait {
            try await waitForAgents([name], state: "alive", within: 30, process: child)
        }
        return child
    }

    /// Asks the master for its agents (QUERY) through the control API.
    public func query() async throws -> Value {
        let client = ControlClient(master: try await masterAddress, key: key, logger: Logger(label: "lutf-test"))
        return try await client.request(["op": "query"])
    }

    /// The state (`alive`/`dead`) of each agent the master lists.
    public func agentStates() async throws -> [String: String] {
        var states: [String: String] = [:]
        for agent in try await query()["agents"]?.listValue ?? [] {
            if let name = agent["name"]?.stringValue { states[name] = agent["state"]?.stringValue }
        }
        return states
    }

    /// Waits until every agent in `names` is listed with `state`.
    public func waitForAgents(
        _ names: [String], state: String, within seconds: Double, process: ChildProcess? = nil
    ) async throws {
        try await TestSupport.waitUntil("agents \(names) to be \(state)", within: seconds) {
            if let process, let exit = process.exitStatus {
                throw LUTFError(.failure, "agent \(process.name) exited (\(exit)): \(process.log)")
            }
            let states = try await agentStates()
            return names.allSatisfy { states[$0] == state }
        }
    }
}

/// Runs `body` with a fresh ``TestCluster`` (scratch directory, key, process supervisor) and
/// stops every process it started when `body` ends.
public func withTestCluster<T: Sendable>(
    heartbeatInterval: Double = 1.0, _ body: @Sendable (TestCluster) async throws -> T
) async throws -> T {
    let directory = try TestSupport.makeTemporaryDirectory()
    let supervisor = ProcessSupervisor()
    let cluster = try TestCluster(directory: directory, supervisor: supervisor, heartbeatInterval: heartbeatInterval)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await supervisor.run() }
        do {
            let result = try await body(cluster)
            await supervisor.stopAll()
            group.cancelAll()
            return result
        } catch {
            await supervisor.stopAll()
            group.cancelAll()
            throw error
        }
    }
}

extension TestCluster {
    /// A logger that drops everything (tests read state, not logs).
    public static var quietLogger: Logger {
        Logger(label: "lutf-test", factory: { _ in SwiftLogNoOpLogHandler() })
    }

    /// Runs a ``Master`` in this process on 127.0.0.1 (free port) for the duration of `body`.
    public func withInProcessMaster<T: Sendable>(
        configure: (inout MasterSettings) -> Void = { _ in },
        _ body: @Sendable (Master) async throws -> T
    ) async throws -> T {
        var settings = MasterSettings(listen: HostPort(host: "127.0.0.1", port: 0), key: key)
        settings.heartbeatInterval = heartbeatInterval
        configure(&settings)
        let master = Master(settings: settings, logger: Self.quietLogger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await master.run()
                return nil
            }
            useMaster(at: try await master.listeningAddress())
            defer { group.cancelAll() }
            return try await body(master)
        }
    }
}
