import Foundation
import LUTFCore

/// The cluster auster describes in its environment: every host named by a `*_HOST` variable
/// (`mgs_HOST`, `mds1_HOST`, `ost1_HOST`, `rtr1_HOST`, ...) or listed in `CLIENTS`/`RCLIENTS`
/// becomes an agent named after its variable (`CLIENTS1`, `CLIENTS2` when a variable lists
/// several), with the role its name implies; a host named twice gets one agent (the first name).
public enum AusterEnvironment {
    public static func cluster(_ env: [String: String]) throws(LUTFError) -> ClusterFile {
        var variables: [(String, [String])] = []
        let hostVariables = env.keys.filter { $0.hasSuffix("_HOST") && !(env[$0] ?? "").isEmpty }
        func rank(_ name: String) -> Int {
            let lower = name.lowercased()
            for (i, prefix) in ["mgs", "mds", "mdt", "oss", "ost", "rtr"].enumerated() where lower.hasPrefix(prefix) {
                return i
            }
            return 9
        }
        let ordered = hostVariables.sorted { a, b in
            rank(a) != rank(b) ? rank(a) < rank(b) : a.compare(b, options: .numeric) == .orderedAscending
        }
        for name in ordered {
            variables.append((name, [env[name]!]))
        }
        for name in ["CLIENTS", "RCLIENTS"] {
            let hosts = (env[name] ?? "").split { $0 == "," || $0 == " " }.map(String.init)
            if !hosts.isEmpty { variables.append((name, hosts)) }
        }
        var agents: [ClusterFile.AgentEntry] = []
        for (variable, hosts) in variables {
            for (index, host) in hosts.enumerated() where !agents.contains(where: { $0.host == host }) {
                let name = hosts.count > 1 ? "\(variable)\(index + 1)" : variable
                agents.append(ClusterFile.AgentEntry(name: name, host: host, role: Roles.derive(fromName: name)))
            }
        }
        guard !agents.isEmpty else {
            throw LUTFError(
                .usage,
                "no hosts in auster's environment: set mds1_HOST, ost1_HOST, CLIENTS, ... (or use --cluster FILE)")
        }
        let port = env["LUTF_PORT"].flatMap(Int.init) ?? LUTFDefaults.masterPort
        let master: HostPort
        if let given = env["MASTER_ADDRESS"], !given.isEmpty {
            master = try HostPort(parsing: given, defaultPort: port, what: "MASTER_ADDRESS")
        } else {
            let address = NetworkInterface.discover().filter { !$0.isLoopback && $0.isUp }.flatMap(\.ipv4Addresses)
                .first
            master = HostPort(host: address ?? HostInfo.hostname, port: port)
        }
        var file = ClusterFile(path: "from auster's environment", master: master, agents: agents)
        file.sshUser = env["LUTF_SSH_USER"].flatMap { $0.isEmpty ? nil : $0 }
        file.sshPort = env["LUTF_SSH_PORT"].flatMap(Int.init)
        file.sshIdentity = env["LUTF_SSH_IDENTITY"].flatMap { $0.isEmpty ? nil : $0 }
        file.sshOptions = (env["LUTF_SSH_OPTIONS"] ?? "").split(separator: " ").map(String.init)
        file.lnet = env["LUTF_LNET"] == "simulated" ? "simulated" : "system"
        file.simFabric = env["LUTF_SIM_FABRIC"].flatMap { $0.isEmpty ? nil : $0 }
        file.keyPath = env["LUTF_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        return file
    }
}
