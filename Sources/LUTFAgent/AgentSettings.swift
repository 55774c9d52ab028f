import LUTFCore
import LUTFWire

/// Everything an agent needs to start.
public struct AgentSettings: Sendable {
    public var master: HostPort
    public var name: String
    public var role: String
    public var key: ClusterKey
    public var wire = WireSettings()
    /// First delay before reconnecting to a lost master; doubles up to ``reconnectMaxDelay``.
    public var reconnectInitialDelay = 0.1
    public var reconnectMaxDelay = 2.0
    /// Heartbeat interval until the master says otherwise.
    public var heartbeatInterval = LUTFDefaults.heartbeatInterval
    /// Extra directories for the Python path of workers.
    public var extraPythonPaths: [String] = []
    /// The LNet backend the node's tools use (`simulated` or `system`).
    public var lnetBackend = "system"
    /// Exit when the connection to the master ends instead of reconnecting (agents of a cluster
    /// that one `lutf run` owns).
    public var exitWithMaster = false
    /// Other names this agent answers to (`mgs`, `ost1`: auster's facets on the same host).
    public var aliases: [String] = []
    /// The interfaces tests may use (loopback is always reported); empty: every interface.
    /// A node's management network stays out of the tests this way.
    public var interfaces: [String] = []

    public init(master: HostPort, name: String, role: String, key: ClusterKey) {
        self.master = master
        self.name = name
        self.role = role
        self.key = key
    }

    /// The keys an agent configuration file may hold.
    public static let configKeys = [
        "maddress", "mport", "name", "role", "key", "daemon", "base_path", "extra_py", "lnet",
    ]
}

/// An agent configuration file's values, before flags and environment are applied.
public struct AgentConfigFile: Sendable {
    public var masterAddress: String?
    public var masterPort: Int?
    public var name: String?
    public var role: String?
    public var keyPath: String?
    public var extraPythonPaths: [String]?
    public var lnetBackend: String?

    public init() {}

    /// Reads an agent configuration file (the design document's `config: {type: agent, ...}`).
    public init(path: String) throws(LUTFError) {
        let file = try ConfigFile(path: path, type: "agent", allowedKeys: AgentSettings.configKeys)
        masterAddress = try file.string("maddress")
        masterPort = try file.port("mport")
        name = try file.string("name")
        if let name, let problem = AgentIdentity.problem(withName: name) {
            throw LUTFError(.config, "config \(path) line \(file.line(of: "name") ?? 0): 'name': \(problem)")
        }
        role = try file.string("role")
        keyPath = try file.string("key")
        _ = try file.bool("daemon")
        extraPythonPaths = try file.stringList("extra_py")
        lnetBackend = try file.choice("lnet", from: ["simulated", "system"])
    }
}

extension AgentSettings {
    /// Settings from, in order of precedence: flags, environment (`LUTF_MASTER`, `LUTF_KEY`),
    /// the configuration file, defaults.
    public static func resolve(
        configPath: String?, master: String?, name: String?, role: String?, keyPath: String?, lnet: String?,
        environment: [String: String]
    ) throws(LUTFError) -> AgentSettings {
        let file =
            try configPath.map { (path) throws(LUTFError) in try AgentConfigFile(path: path) } ?? AgentConfigFile()
        let address: HostPort
        if let text = master ?? environment["LUTF_MASTER"].flatMap({ $0.isEmpty ? nil : $0 }) {
            address = try HostPort(parsing: text, defaultPort: LUTFDefaults.masterPort, what: "--master")
        } else if let host = file.masterAddress {
            address = HostPort(host: host, port: file.masterPort ?? LUTFDefaults.masterPort)
        } else {
            throw LUTFError(
                .usage,
                "no master address: pass --master HOST:PORT, set LUTF_MASTER, or set 'maddress' in the configuration file"
            )
        }
        guard let name = name ?? file.name else {
            throw LUTFError(.usage, "no agent name: pass --name NAME or set 'name' in the configuration file")
        }
        if let problem = AgentIdentity.problem(withName: name) { throw LUTFError(.usage, "--name: \(problem)") }
        let key = try ClusterKey.resolve(flag: keyPath, environment: environment, configured: file.keyPath)
        var settings = AgentSettings(
            master: address, name: name, role: role ?? file.role ?? Roles.derive(fromName: name), key: key)
        settings.extraPythonPaths = file.extraPythonPaths ?? []
        if let backend = lnet ?? file.lnetBackend {
            guard ["simulated", "system"].contains(backend) else {
                throw LUTFError(.usage, "--lnet must be 'simulated' or 'system', got '\(backend)'")
            }
            settings.lnetBackend = backend
        }
        return settings
    }
}
