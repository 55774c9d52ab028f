import OrderedCollections

/// A cluster description: where the master listens and which agents (on which hosts) take part.
///
/// ```yaml
/// cluster:
///   master: 10.0.0.1:8494      # the master's address (agents connect here)
///   key: /etc/lutf/cluster.key # optional: else --key / LUTF_KEY
///   agents:
///     - name: mds1
///       host: node1            # where `lutf launch` starts it (default: the name)
///       role: MDS              # default: derived from the name
///       roles: [MDS, MGS]      # or every role of a host with several (auster's facets)
///       aliases: [mgs, ost1]   # optional: other names it answers to (its other facets)
///       ssh_port: 2222         # optional: this host's ssh port (default: ssh_port below)
///       interfaces: [eth1]     # optional: the interfaces tests may use (default: all)
///   listen: 127.0.0.1          # optional: where the master listens (default: every address)
///   heartbeat_interval: 1      # optional: seconds between heartbeats (default 1)
///   missed_heartbeats: 3       # optional: silent intervals before an agent is dead (default 3)
///   python: /usr/bin/python3   # optional: the interpreter on the hosts (default: python3 there)
///   ssh_user: root             # ssh settings for `lutf launch` (all optional)
///   ssh_port: 22
///   ssh_identity: ~/.ssh/id_ed25519
///   ssh_options: [StrictHostKeyChecking=no]
///   ssh_config: /etc/lutf/ssh_config  # optional: an ssh client configuration (ssh -F)
///   via: ssh                   # or pdsh (pdsh -R ssh), or local (every agent on this host)
///   lnet: system               # or simulated (then sim_fabric: a directory the hosts share)
/// ```
public struct ClusterFile: Sendable {
    public struct AgentEntry: Sendable, Equatable {
        public var name: String
        public var host: String
        public var role: String
        /// This host's ssh port, where it differs from the cluster's.
        public var sshPort: Int?
        /// The interfaces tests may use on this host (empty: all of them).
        public var interfaces: [String] = []
        /// Other names this agent answers to (auster's other facets on the same host).
        public var aliases: [String] = []

        public init(name: String, host: String, role: String, sshPort: Int? = nil, interfaces: [String] = []) {
            self.name = name
            self.host = host
            self.role = role
            self.sshPort = sshPort
            self.interfaces = interfaces
        }

        static let keys = ["name", "host", "role", "roles", "aliases", "ssh_port", "interfaces"]
    }

    public var path: String
    public var master: HostPort
    public var keyPath: String?
    public var agents: [AgentEntry]
    /// `ssh` options for `lutf launch`: user, port, identity file.
    public var sshUser: String?
    public var sshPort: Int?
    public var sshIdentity: String?
    /// An ssh client configuration file (`ssh -F`): host aliases, ports, jump hosts.
    public var sshConfig: String?
    /// Extra `ssh -o` options (`StrictHostKeyChecking=no`, ...).
    public var sshOptions: [String] = []
    /// How agents are started: `ssh`, `pdsh` (`pdsh -R ssh`) or `local` (a shell on this host:
    /// a one-host cluster, as auster's `PDSH=no_dsh` configurations are).
    public var via = "ssh"
    /// The ways agents can be started (``via``).
    public static let vias = ["ssh", "pdsh", "local"]
    /// The LNet backend of the agents: `system` (real LNet) or `simulated`.
    public var lnet = "system"
    /// With `lnet: simulated`, the fabric directory the hosts share (default: none).
    public var simFabric: String?
    /// Where the `lutf` binary and its home are on the hosts (default: the same paths as here).
    public var remoteHome: String?
    /// The address the master listens on (default: every address of this host).
    public var listen: String?
    /// The Python interpreter on the hosts (default: what `python3` there resolves to).
    public var python: String?
    /// Liveness of this cluster's agents, where it differs from the master's defaults (e.g. for
    /// guests under software emulation, whose CPU a busy kernel can hold for seconds).
    public var heartbeatInterval: Double?
    public var missedHeartbeats: Int?

    public static let keys = [
        "master", "key", "agents", "ssh_user", "ssh_port", "ssh_identity", "ssh_options", "ssh_config", "via", "lnet",
        "sim_fabric",
        "remote_home", "listen", "python", "heartbeat_interval", "missed_heartbeats",
    ]

    /// A cluster described in code (from auster's environment, or a virtual cluster).
    public init(path: String, master: HostPort, agents: [AgentEntry]) {
        self.path = path
        self.master = master
        self.agents = agents
    }

    /// The cluster as YAML, for `lutf launch --cluster`.
    public var yaml: String {
        var members: OrderedDictionaryValue = ["master": .string(master.description)]
        if let keyPath { members["key"] = .string(keyPath) }
        if let sshUser { members["ssh_user"] = .string(sshUser) }
        if let sshPort { members["ssh_port"] = .int(sshPort) }
        if let sshIdentity { members["ssh_identity"] = .string(sshIdentity) }
        if !sshOptions.isEmpty { members["ssh_options"] = .list(sshOptions.map(Value.string)) }
        if let sshConfig { members["ssh_config"] = .string(sshConfig) }
        if via != "ssh" { members["via"] = .string(via) }
        members["lnet"] = .string(lnet)
        if let simFabric { members["sim_fabric"] = .string(simFabric) }
        if let remoteHome { members["remote_home"] = .string(remoteHome) }
        if let listen { members["listen"] = .string(listen) }
        if let python { members["python"] = .string(python) }
        if let heartbeatInterval { members["heartbeat_interval"] = .double(heartbeatInterval) }
        if let missedHeartbeats { members["missed_heartbeats"] = .int(missedHeartbeats) }
        members["agents"] = .list(
            agents.map { agent in
                var entry: OrderedDictionaryValue = [
                    "name": .string(agent.name), "host": .string(agent.host), "role": .string(agent.role),
                ]
                if let port = agent.sshPort { entry["ssh_port"] = .int(port) }
                if !agent.aliases.isEmpty { entry["aliases"] = .list(agent.aliases.map(Value.string)) }
                if !agent.interfaces.isEmpty { entry["interfaces"] = .list(agent.interfaces.map(Value.string)) }
                return .map(entry)
            })
        return YAMLText.encode(["cluster": .map(members)])
    }

    public init(path: String) throws(LUTFError) {
        let file = try ConfigFile(path: path, type: "cluster", allowedKeys: Self.keys, root: "cluster")
        self.path = path
        guard let masterText = try file.string("master") else {
            throw LUTFError(.config, "cluster \(path): 'master' (HOST:PORT the master listens on) is required")
        }
        do {
            master = try HostPort(parsing: masterText, defaultPort: LUTFDefaults.masterPort, what: "master")
        } catch {
            throw LUTFError(.config, "cluster \(path) line \(file.line(of: "master") ?? 0): \(error.message)")
        }
        keyPath = try file.string("key")
        sshUser = try file.string("ssh_user")
        sshPort = try file.port("ssh_port")
        sshIdentity = try file.string("ssh_identity")
        sshConfig = try file.string("ssh_config")
        remoteHome = try file.string("remote_home")
        listen = try file.string("listen")
        python = try file.string("python")
        heartbeatInterval = try file.number("heartbeat_interval", in: 0.05...60)
        missedHeartbeats = try file.integer("missed_heartbeats", in: 2...100)
        sshOptions = try file.stringList("ssh_options") ?? []
        via = try file.choice("via", from: Self.vias) ?? "ssh"
        lnet = try file.choice("lnet", from: ["system", "simulated"]) ?? "system"
        simFabric = try file.string("sim_fabric")
        var agents: [AgentEntry] = []
        for (line, item) in file.items("agents") {
            var entry: AgentEntry
            switch item {
            case .string(let name):
                entry = AgentEntry(name: name, host: name, role: Roles.derive(fromName: name))
            case .map:
                guard let name = item["name"]?.plainText else {
                    throw LUTFError(.config, "cluster \(path) line \(line): an agent entry needs a 'name'")
                }
                let unknown = item.mapValue!.keys.filter { !AgentEntry.keys.contains($0) }
                if let bad = unknown.first {
                    throw LUTFError(
                        .config,
                        "cluster \(path) line \(line): unknown agent key '\(bad)' (known keys: \(AgentEntry.keys.joined(separator: ", ")))"
                    )
                }
                var port: Int?
                if let text = item["ssh_port"]?.plainText {
                    guard let value = Int(text), (1...65535).contains(value) else {
                        throw LUTFError(
                            .config, "cluster \(path) line \(line): 'ssh_port' must be a port number, got \"\(text)\"")
                    }
                    port = value
                }
                let interfaces = try Self.names(item["interfaces"], "interfaces", path: path, line: line) ?? []
                if item["role"] != nil && item["roles"] != nil {
                    throw LUTFError(.config, "cluster \(path) line \(line): give 'role' or 'roles', not both")
                }
                let roles = try Self.names(item["roles"], "roles", path: path, line: line)
                entry = AgentEntry(
                    name: name, host: item["host"]?.plainText ?? name,
                    role: roles.map { $0.joined(separator: ",") } ?? item["role"]?.plainText
                        ?? Roles.derive(fromName: name),
                    sshPort: port, interfaces: interfaces
                )
                entry.aliases = try Self.names(item["aliases"], "aliases", path: path, line: line) ?? []
            default:
                throw LUTFError(.config, "cluster \(path) line \(line): an agent entry must be a name or a mapping")
            }
            if let problem = AgentIdentity.problem(withName: entry.name) {
                throw LUTFError(.config, "cluster \(path) line \(line): \(problem)")
            }
            if agents.contains(where: { $0.name == entry.name }) {
                throw LUTFError(.config, "cluster \(path) line \(line): agent '\(entry.name)' is listed twice")
            }
            agents.append(entry)
        }
        guard !agents.isEmpty else {
            throw LUTFError(.config, "cluster \(path): 'agents' must list at least one agent")
        }
        self.agents = agents
    }

    /// A list of names (`interfaces`, `roles`, `aliases`), or `nil` when the key is absent.
    static func names(_ value: Value?, _ key: String, path: String, line: Int) throws(LUTFError) -> [String]? {
        guard let value else { return nil }
        let names = value.listValue?.compactMap(\.stringValue) ?? []
        guard names.count == value.listValue?.count, !names.contains(where: \.isEmpty) else {
            throw LUTFError(.config, "cluster \(path) line \(line): '\(key)' must be a list of names")
        }
        return names
    }
}
