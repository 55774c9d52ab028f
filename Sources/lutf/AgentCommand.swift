import ArgumentParser
import Foundation
import LUTFAgent
import LUTFCore
import Logging
import ServiceLifecycle

struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run an agent that connects to a master, until SIGTERM or SIGINT.",
        discussion: """
            The agent proves the cluster key, registers under NAME, sends heartbeats, and runs the \
            calls the master sends. When the master goes away it reconnects with capped backoff \
            (0.1 s doubling to 2 s). It exits with status 1 if the master refuses its key or its \
            name (another live agent has it).

            Configuration file (YAML), all keys optional:
              config:
                type: agent
                maddress: 10.0.0.1       # master address
                mport: 8494              # master port
                name: mds1
                role: MDS                # default: from the name (mds*, client*, rtr*)
                key: /etc/lutf/cluster.key
                extra_py: [/opt/tests]   # extra Python path for remote calls
                lnet: system             # or simulated
            Flags override the file; --master falls back to LUTF_MASTER and --key to LUTF_KEY.

            The cluster key is the keys to every agent: whoever holds it can run any code, as the \
            agent's user (root on a Lustre node), on every agent of the cluster. Keep key files \
            0600 (LUTF refuses others). --allow-scripts DIR narrows what an agent runs to scripts \
            under DIR (the suites) and LUTF's own package.
            """
    )

    @Option(name: .long, help: "Agent configuration file (YAML).")
    var config: String?

    @Option(name: .long, help: "Master address HOST:PORT (default $LUTF_MASTER; port defaults to 8494).")
    var master: String?

    @Option(name: .long, help: "This agent's name (letters, digits, '_', '.', '-').")
    var name: String?

    @Option(
        name: .long,
        help: "This node's roles, comma-separated: MGS, MDS, OSS, client, router (default: derived from the name).")
    var role: String?

    @Option(name: .long, help: "Cluster key file (default $LUTF_KEY).")
    var key: String?

    @Option(name: .long, help: "LNet backend for this node's tools: system or simulated.")
    var lnet: String?

    @Option(
        name: .long,
        help:
            "Directory for Python worker sockets and logs, owned by you and writable by nobody else (default: a new private $TMPDIR/lutf-agent-NAME-XXXXXX)."
    )
    var workDir: String?

    @Flag(name: .long, help: "Exit when the connection to the master ends instead of reconnecting.")
    var exitWithMaster = false

    @Option(
        name: .long,
        help: "Interfaces tests may use, comma-separated (default: all; loopback is always reported).")
    var interfaces: String?

    @Option(name: .long, help: "Other names this agent answers to, comma-separated (auster facets on the same host).")
    var aliases: String?

    @Flag(name: .long, help: "Exit when standard input ends (the process that started the agent holds it).")
    var lifeline = false

    @Option(
        name: .long,
        help:
            "Run remote code only from scripts under DIR (repeatable; LUTF's own package is always allowed); calls naming any other file or module are refused."
    )
    var allowScripts: [String] = []

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        try await reportingErrors("agent") {
            let logger = try logging.bootstrap("lutf")
            var settings = try AgentSettings.resolve(
                configPath: config, master: master, name: name, role: role, keyPath: key, lnet: lnet,
                environment: environment)
            settings.exitWithMaster = exitWithMaster
            settings.aliases = (aliases ?? "").split(separator: ",").map(String.init).filter { !$0.isEmpty }
            settings.interfaces = (interfaces ?? "").split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty }
            // The Python workers run from here (their PATH starts with its bin/): a directory nobody
            // else could have planted or can write.
            let directory: String
            if let workDir {
                try HostInfo.trustedDirectory(workDir, what: "--work-dir")
                directory = workDir
            } else {
                directory = try HostInfo.makeTemporaryDirectory("lutf-agent-\(settings.name)")
            }
            var handlers: [any AgentCallHandler] = []
            var workerEnvironment: [String: String] = ["LUTF_LNET": settings.lnetBackend]
            if !allowScripts.isEmpty {
                let resolved = allowScripts.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
                for (given, path) in zip(allowScripts, resolved) {
                    var isDirectory: ObjCBool = false
                    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue
                    else { throw LUTFError(.usage, "--allow-scripts \(given): no such directory") }
                }
                workerEnvironment["LUTF_ALLOW_SCRIPTS"] = resolved.joined(separator: ":")
            }
            if settings.lnetBackend == "simulated" {
                let simulated = try SimulatedLNet(workDirectory: directory, environment: environment)
                workerEnvironment.merge(simulated.workerEnvironment(base: environment)) { $1 }
                handlers.append(simulated)
            }
            let workers = PythonWorkerPool(directory: directory, extraEnvironment: workerEnvironment, logger: logger)
            let agent = Agent(settings: settings, handlers: [workers] + handlers, logger: logger)
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: agent)]
            if lifeline {
                services.append(.init(service: Lifeline(), successTerminationBehavior: .gracefullyShutdownGroup))
            }
            let group = ServiceGroup(
                configuration: ServiceGroupConfiguration(
                    services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            defer {
                // A default (temporary) work directory goes with the agent.
                if workDir == nil { try? FileManager.default.removeItem(atPath: directory) }
            }
            try await group.run()
        }
    }
}
