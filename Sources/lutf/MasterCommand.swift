import ArgumentParser
import Foundation
import LUTFAgent
import LUTFCore
import LUTFMaster
import LUTFSuites
import Logging
import ServiceLifecycle

struct MasterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "master",
        abstract: "Run a master until SIGTERM or SIGINT.",
        discussion: """
            The master accepts agents and control clients (lutf status) on one port, marks an agent \
            dead when it has been silent for 3 heartbeat intervals, and routes calls to agents.

            Configuration file (YAML), all keys optional:
              config:
                type: master
                mport: 8494              # port to listen on
                maddress: 0.0.0.0        # address to listen on
                key: /etc/lutf/cluster.key
                name: master
                heartbeat_interval: 1.0  # seconds; agents use the master's value
                missed_heartbeats: 3     # silent intervals before an agent is dead
                max_frame: 16777216      # largest message body in bytes
                suites: /opt/lutf/suites # suites RUN_TESTS names
                results: /var/lib/lutf  # where submitted runs write results
            Flags override the file; --key falls back to LUTF_KEY before the file.

            Control API (on the same port, authenticated): QUERY (lutf status), RUN_TESTS (lutf \
            submit: a test configuration naming suites; runs are queued and run one at a time on \
            the agents connected when they start), COLLECT_RESULTS (lutf collect: state, results \
            and the zip of a run).
            """
    )

    @Option(name: .long, help: "Master configuration file (YAML).")
    var config: String?

    @Option(name: .long, help: "Address to listen on, HOST:PORT (default 0.0.0.0:8494; port 0 picks a free port).")
    var listen: String?

    @Option(name: .long, help: "Cluster key file (default $LUTF_KEY).")
    var key: String?

    @Option(name: .long, help: "Seconds between agent heartbeats (default 1).")
    var heartbeatInterval: Double?

    @Option(
        name: .long,
        help: "Suites that RUN_TESTS requests name (default: the file's 'suites', $LUTF_SUITES, the bundled suites).")
    var suites: String?

    @Option(
        name: .long,
        help: "Where runs submitted with RUN_TESTS write their results (default: the file's 'results', ./lutf-results)."
    )
    var resultsDir: String?

    @Flag(name: .long, help: "Exit when standard input ends (the process that started the master holds it).")
    var lifeline = false

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        try await reportingErrors("master") {
            let logger = try logging.bootstrap("lutf")
            let settings = try MasterSettings.resolve(
                configPath: config, listen: listen, keyPath: key, heartbeatInterval: heartbeatInterval,
                environment: environment)
            let file = try config.map { (path) throws(LUTFError) in try MasterConfigFile(path: path) }
            let master = Master(settings: settings, logger: logger)
            let runtime = try await PythonRuntime.locate()
            // New and private (0700, ours): a guessable path someone else made first is never used.
            let work = try HostInfo.makeTemporaryDirectory("lutf-master")
            defer { try? FileManager.default.removeItem(atPath: work) }
            let broker = ScriptBroker(master: master, directory: work, logger: logger)
            master.setServiceHandler(broker)
            let supervisor = ProcessSupervisor()
            let runs = RunService(
                context: RunController.Context(
                    master: master, broker: broker, supervisor: supervisor, runtime: runtime, logger: logger,
                    masterAddress: settings.listen.description),
                suitesPath: suites ?? file?.suitesPath ?? runtime.defaultSuites(environment: environment),
                resultsBase: URL(fileURLWithPath: resultsDir ?? file?.resultsPath ?? "lutf-results").standardizedFileURL
                    .path)
            master.setControlHandler(runs)
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
                .init(service: master), .init(service: broker), .init(service: SupervisorService(supervisor)),
                .init(service: runs),
            ]
            if lifeline {
                services.append(.init(service: Lifeline(), successTerminationBehavior: .gracefullyShutdownGroup))
            }
            let group = ServiceGroup(
                configuration: ServiceGroupConfiguration(
                    services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
    }
}
