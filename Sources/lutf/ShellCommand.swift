import ArgumentParser
import Foundation
import LUTFCore
import LUTFMaster
import LUTFSuites
import LUTFWire
import Logging
import Subprocess
import SystemPackage

struct ShellCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shell",
        abstract: "An interactive Python prompt with lutf imported and connected to a cluster.",
        discussion: """
            By default the prompt runs on an embedded cluster (the master in this process, --agents \
            local agents on simulated LNet), which stops when you leave with Ctrl-D. There: \
            lutf.agents(), lutf.get_environment(), lutf.suites (dict-like; .list(), .reload()), \
            lutf.suites['samples'].scripts['sample_02'].run() (prints and returns the result), \
            lutf.suites['samples'].run(), script.show(), script.reload(), lutf.results() (this \
            session's results as YAML), and remote objects (Helper(target=...)) as in test scripts. \
            Scripts run exactly as under `lutf run` (own process, deadline, results in --results). \
            Ctrl-C stops the running test and returns to the prompt. With a terminal the prompt has \
            line editing and history (~/.lutf_history); from a pipe it reads plain lines.
            """
    )

    @Argument(help: "Suite directories (default $LUTF_SUITES, else the bundled suites).")
    var paths: [String] = []

    @Option(name: .long, help: "Agents of the embedded cluster.")
    var agents = 3

    @Option(name: .long, help: "Results directory for what the session runs (default ./lutf-results/shell-RUN-ID).")
    var results: String?

    @Option(name: .long, help: "Default deadline of each test in seconds.")
    var timeout = 300.0

    @Option(name: .long, help: "Use a running master (HOST:PORT) instead of an embedded cluster.")
    var master: String?

    @Option(name: .long, help: "Cluster key file, with --master (default $LUTF_KEY).")
    var key: String?

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let code = try await reportingErrors("shell") { () async throws -> Int32 in
            let logger = try logging.bootstrap("lutf", defaultLevel: .warning)
            let runtime = try await PythonRuntime.locate()
            if let master {
                return try await remoteShell(master: master, runtime: runtime)
            }
            let runID = RunContext.newID()
            let suitePaths = runtime.suitePaths(paths, environment: environment)
            let resultsDirectory = URL(fileURLWithPath: results ?? "lutf-results/shell-\(runID)").standardizedFileURL
                .path
            var setup = RunController.ClusterSetup(nodeLogs: resultsDirectory + "/nodes")
            setup.agentCount = agents
            var settings = RunSettings()
            settings.timeout = timeout
            let runSettings = settings
            return try await RunController.withCluster(
                setup, runID: runID, runtime: runtime, logger: logger, output: { emit($0) }
            ) { context, names in
                await RunController.begin(runID, on: names, resultsDirectory: resultsDirectory, context: context)
                let shell = try ShellService(
                    context: context, paths: suitePaths, resultsDirectory: resultsDirectory, settings: runSettings,
                    runID: runID)
                context.broker.add(shell.session)
                let socket = try await context.broker.socketPath()
                let env = runtime.environment(
                    base: environment, channel: socket, token: shell.session.token,
                    extra: ["LUTF_ROLE": "master", "LUTF_NODE": "master"])
                // The prompt owns the terminal: Ctrl-C is for it (and the test it runs), not for us.
                signal(SIGINT, SIG_IGN)
                defer { signal(SIGINT, SIG_DFL) }
                let status = try await Self.prompt(runtime: runtime, environment: env)
                await context.broker.remove(shell.session)
                await RunController.end(runID, on: names, context: context)
                return status
            }
        }
        if code != 0 { throw ExitCode(code) }
    }

    /// Runs the Python prompt on this terminal and returns its exit status.
    static func prompt(runtime: PythonRuntime, environment env: [String: String]) async throws -> Int32 {
        let result = try await Subprocess.run(
            .path(FilePath(runtime.interpreter)), arguments: ["-m", "lutf._shell"], environment: .exactly(env),
            input: .fileDescriptor(.standardInput, closeAfterSpawningProcess: false),
            output: .fileDescriptor(.standardOutput, closeAfterSpawningProcess: false),
            error: .fileDescriptor(.standardError, closeAfterSpawningProcess: false))
        switch result.terminationStatus {
        case .exited(let code): return code
        case .signaled(let signal): return 128 + signal
        }
    }

    /// The prompt against a running master: a local socket for the Python process whose every
    /// request goes to the master through the control API.
    func remoteShell(master: String, runtime: PythonRuntime) async throws -> Int32 {
        var client = try MasterOptions.client(master: master, key: key)
        let opened = try checked(try await client.request(["op": "shell_open"]))
        let token = opened["token"]?.stringValue ?? ""
        client.timeout = 7 * 86_400
        let forwarder = client
        let directory = try HostInfo.makeTemporaryDirectory("lutf-shell")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let listener = try await LocalSocket.listen(at: directory + "/shell.sock")
        let env = runtime.environment(
            base: environment, channel: directory + "/shell.sock", token: token,
            extra: ["LUTF_ROLE": "master", "LUTF_NODE": "master"])
        signal(SIGINT, SIG_IGN)
        defer { signal(SIGINT, SIG_DFL) }
        return try await withThrowingTaskGroup(of: Int32?.self) { group in
            group.addTask {
                try await withThrowingDiscardingTaskGroup { connections in
                    try await listener.executeThenClose { inbound in
                        for try await connection in inbound {
                            connections.addTask { await Self.forward(connection, to: forwarder, token: token) }
                        }
                    }
                }
                return nil
            }
            group.addTask { try await Self.prompt(runtime: runtime, environment: env) }
            group.addTask {
                // The master closes a shell that stops saying it is alive (this process killed).
                var pinger = forwarder
                pinger.timeout = 10
                while !Task.isCancelled {
                    try await Task.sleep(for: .seconds(5))
                    _ = try? await pinger.request(["op": "shell_keepalive", "token": .string(token)])
                }
                return nil
            }
            defer { group.cancelAll() }
            var status: Int32 = 1
            while let result = try await group.next() {
                if let result {
                    status = result
                    break
                }
            }
            // The master ends the shell's run and its Python workers on the agents.
            var closer = forwarder
            closer.timeout = 10
            _ = try? await closer.request(["op": "shell_close", "token": .string(token)])
            return status
        }
    }

    /// Relays one local channel to the master, each request on its own control connection.
    static func forward(_ connection: LineChannel, to client: ControlClient, token: String) async {
        try? await connection.executeThenClose { inbound, outbound in
            try await withThrowingDiscardingTaskGroup { group in
                for try await message in inbound where message["op"] != nil {
                    group.addTask {
                        let answer: Value
                        do {
                            answer = try await client.request([
                                "op": "script", "token": .string(token), "request": message,
                            ])
                        } catch let error as LUTFError {
                            answer = LineEndpoint.answer(to: message, .failure(error))
                        }
                        if message["noreply"]?.boolValue != true { try await outbound.write(Line(answer)) }
                    }
                }
                group.cancelAll()
            }
        }
    }
}
