import LUTFCore
import LUTFWire

/// Everything a master needs to start.
public struct MasterSettings: Sendable {
    /// Where to listen for agents and control clients (port 0 picks a free port).
    public var listen: HostPort
    public var key: ClusterKey
    /// The master's name in RPCs (`src`/`dst`).
    public var name = "master"
    /// Seconds between agent heartbeats; agents use what the master says.
    public var heartbeatInterval = LUTFDefaults.heartbeatInterval
    /// Silent intervals after which an agent is dead.
    public var missedHeartbeats = LUTFDefaults.missedHeartbeats
    public var wire = WireSettings()

    public init(listen: HostPort, key: ClusterKey) {
        self.listen = listen
        self.key = key
    }

    /// Seconds of silence after which an agent is dead.
    public var deadAfter: Double { heartbeatInterval * Double(missedHeartbeats) }

    /// The keys a master configuration file may hold.
    public static let configKeys = [
        "mport", "maddress", "key", "name", "heartbeat_interval", "missed_heartbeats", "max_frame", "dport",
        "base_path", "extra_py", "suites", "results",
    ]
}

/// A master configuration file's values, before flags and environment are applied.
public struct MasterConfigFile: Sendable {
    public var port: Int?
    public var address: String?
    public var keyPath: String?
    public var name: String?
    public var heartbeatInterval: Double?
    public var missedHeartbeats: Int?
    public var maxFrameBytes: Int?
    public var extraPythonPaths: [String]?
    public var suitesPath: String?
    public var resultsPath: String?

    public init() {}

    /// Reads a master configuration file (the design document's `config: {type: master, ...}`).
    public init(path: String) throws(LUTFError) {
        let file = try ConfigFile(path: path, type: "master", allowedKeys: MasterSettings.configKeys)
        port = try file.port("mport")
        address = try file.string("maddress")
        keyPath = try file.string("key")
        name = try file.string("name")
        if let name, name.isEmpty || name.contains(" ") {
            throw LUTFError(
                .config,
                "config \(path) line \(file.line(of: "name") ?? 0): 'name' must be a single word, got \"\(name)\"")
        }
        heartbeatInterval = try file.number("heartbeat_interval", in: 0.05...60)
        missedHeartbeats = try file.integer("missed_heartbeats", in: 2...100)
        maxFrameBytes = try file.integer("max_frame", in: 65536...(1 << 30))
        extraPythonPaths = try file.stringList("extra_py")
        if let suites = try file.string("suites") {
            suitesPath = suites
        } else if let base = try file.string("base_path") {
            suitesPath = base + "/suites"
        }
        resultsPath = try file.string("results")
        _ = try file.port("dport")
    }
}

extension MasterSettings {
    /// Settings from, in order of precedence: flags, environment (`LUTF_KEY`), the configuration
    /// file, defaults.
    public static func resolve(
        configPath: String?, listen: String?, keyPath: String?, heartbeatInterval: Double?,
        environment: [String: String]
    ) throws(LUTFError) -> MasterSettings {
        let file =
            try configPath.map { (path) throws(LUTFError) in try MasterConfigFile(path: path) } ?? MasterConfigFile()
        let address: HostPort
        if let listen {
            address = try HostPort(parsing: listen, defaultPort: LUTFDefaults.masterPort, what: "--listen")
        } else {
            address = HostPort(host: file.address ?? "0.0.0.0", port: file.port ?? LUTFDefaults.masterPort)
        }
        let key = try ClusterKey.resolve(flag: keyPath, environment: environment, configured: file.keyPath)
        var settings = MasterSettings(listen: address, key: key)
        if let name = file.name { settings.name = name }
        if let interval = heartbeatInterval ?? file.heartbeatInterval {
            guard interval >= 0.05 && interval <= 60 else {
                throw LUTFError(.usage, "--heartbeat-interval must be from 0.05 to 60 seconds, got \(interval)")
            }
            settings.heartbeatInterval = interval
        }
        if let missed = file.missedHeartbeats { settings.missedHeartbeats = missed }
        if let max = file.maxFrameBytes { settings.wire.maxFrameBytes = max }
        return settings
    }
}
