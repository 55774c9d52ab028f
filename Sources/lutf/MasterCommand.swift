import ArgumentParser
import LUTFCore
import LUTFMaster
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
            Flags override the file; --key falls back to LUTF_KEY before the file.
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

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        try await reportingErrors("master") {
            let logger = try logging.bootstrap("lutf")
            let settings = try MasterSettings.resolve(
                configPath: config, listen: listen, keyPath: key, heartbeatInterval: heartbeatInterval,
                environment: environment)
            let master = Master(settings: settings, logger: logger)
            let group = ServiceGroup(
                configuration: ServiceGroupConfiguration(
                    services: [.init(service: master)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
    }
}
