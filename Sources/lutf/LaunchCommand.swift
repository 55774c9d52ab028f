import ArgumentParser
import Foundation
import LUTFCore
import LUTFLaunch
import LUTFSuites
import LUTFWire

struct LaunchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "launch",
        abstract: "Start an agent on every host of a cluster over ssh, run the tests, stop the agents.",
        discussion: """
            The cluster comes from --cluster FILE, a YAML map under `cluster:` with master \
            (HOST:PORT the agents connect to), agents (a list of names, or of maps with name, host, \
            role or roles, aliases, ssh_port, interfaces), and optionally key, listen, python, \
            remote_home, heartbeat_interval, missed_heartbeats, ssh_user, ssh_port, ssh_identity, \
            ssh_options, ssh_config (ssh -F), via (ssh, pdsh or local), lnet (system or simulated) \
            and sim_fabric (`lutf cluster up` prints such files); or, with --auster, from auster's environment: every host named by a *_HOST \
            variable or listed in CLIENTS/RCLIENTS becomes an agent named after its variable \
            (MASTER_ADDRESS, LUTF_PORT, LUTF_SSH_USER, LUTF_SSH_PORT, LUTF_SSH_IDENTITY, \
            LUTF_SSH_OPTIONS, LUTF_LNET, LUTF_KEY are read too).

            The master listens on the cluster's master port on every address of this host; each \
            agent is started in the foreground of an ssh session (BatchMode) whose output is the \
            agent's log in RESULTS/nodes/NAME.log. Without a key (--key, LUTF_KEY, the file's key) \
            a throwaway key is made and handed to each agent on its ssh connection. pdsh does not \
            forward standard input, so with pdsh the key must be a file at the same path on every \
            host, and --push is not available. With via: local every agent runs in a shell on this \
            host (a one-host cluster; its hosts must name this host). If an agent \
            does not join, the error names it and gives the last thing ssh or the agent said. \
            Arguments after `--` are `lutf run` arguments (paths, --suite, --only, --results, ...).
            """
    )

    @Option(name: .long, help: "Cluster file (YAML).")
    var cluster: String?

    @Flag(name: .long, help: "Build the cluster from auster's environment instead of a file.")
    var auster = false

    @Flag(
        name: .long,
        help: "Copy the lutf binary, its Python package and the suites to a temporary directory on each host first.")
    var push = false

    @Option(name: .long, help: "Cluster key file (default: $LUTF_KEY, else the cluster's, else a throwaway key).")
    var key: String?

    @Option(name: .long, help: "Start agents with ssh, pdsh (pdsh -R ssh) or local (a shell on this host).")
    var via: String?

    @Argument(parsing: .postTerminator, help: "`lutf run` arguments, after --.")
    var runArguments: [String] = []

    func validate() throws {
        if (cluster == nil) == !auster {
            throw ValidationError("give exactly one of --cluster FILE and --auster")
        }
        if let via, !ClusterFile.vias.contains(via) {
            throw ValidationError("--via must be one of \(ClusterFile.vias.joined(separator: ", ")), got '\(via)'")
        }
    }

    func run() async throws {
        let code = try await reportingErrors("launch") { () async throws -> Int32 in
            let passthrough = runArguments.first == "--" ? Array(runArguments.dropFirst()) : runArguments
            let runCommand: RunCommand
            do {
                runCommand = try RunCommand.parse(passthrough)
            } catch {
                throw LUTFError(
                    .usage, "after --: \(RunCommand.message(for: error)) (the `lutf run` arguments: lutf run --help)")
            }
            let request = try runCommand.makeRequest()
            let logger = try runCommand.logging.bootstrap("lutf", defaultLevel: .warning)
            var clusterFile: ClusterFile
            if let cluster {
                clusterFile = try ClusterFile(path: cluster)
            } else {
                clusterFile = try AusterEnvironment.cluster(environment)
            }
            if let via { clusterFile.via = via }
            let interruption = request.interruption
            let (file, key, push) = (clusterFile, self.key, self.push)
            let code = try await withSignals(interruption) { [request] in
                try await Launch.run(
                    request, cluster: file, key: key, push: push, logger: logger, environment: environment
                ) { line in emit(line) }.exitCode
            }
            return interruption.exitStatus ?? code
        }
        if code != 0 { throw ExitCode(code) }
    }
}
