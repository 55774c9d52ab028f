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
/// ```
public struct ClusterFile: Sendable {
    public struct AgentEntry: Sendable, Equatable {
        public var name: String
        public var host: String
        public var role: String

        public init(name: String, host: String, role: String) {
            self.name = name
            self.host = host
            self.role = role
        }
    }

    public var path: String
    public var master: HostPort
    public var keyPath: String?
    public var agents: [AgentEntry]
    /// `ssh` options for `lutf launch`: user, port, identity file.
    public var sshUser: String?
    public var sshPort: Int?
    public var sshIdentity: String?
    /// Where the `lutf` binary and its home are on the hosts (default: the same paths as here).
    public var remoteHome: String?

    public static let keys = ["master", "key", "agents", "ssh_user", "ssh_port", "ssh_identity", "remote_home"]

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
        remoteHome = try file.string("remote_home")
        var agents: [AgentEntry] = []
        for (line, item) in file.items("agents") {
            let entry: AgentEntry
            switch item {
            case .string(let name):
                entry = AgentEntry(name: name, host: name, role: Roles.derive(fromName: name))
            case .map:
                guard let name = item["name"]?.plainText else {
                    throw LUTFError(.config, "cluster \(path) line \(line): an agent entry needs a 'name'")
                }
                let unknown = item.mapValue!.keys.filter { !["name", "host", "role"].contains($0) }
                if let bad = unknown.first {
                    throw LUTFError(
                        .config,
                        "cluster \(path) line \(line): unknown agent key '\(bad)' (known keys: name, host, role)")
                }
                entry = AgentEntry(
                    name: name, host: item["host"]?.plainText ?? name,
                    role: item["role"]?.plainText ?? Roles.derive(fromName: name))
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
}
