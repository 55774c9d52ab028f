import Foundation
import LUTFCore
import LUTFSuites

/// A cluster of network namespaces on this machine for testing launches: each "host" is a
/// namespace with K interfaces (veth pairs into one bridge per interface) and its own sshd, so
/// `lutf launch` reaches it over ssh exactly as it would a real host. Needs root.
///
/// Interface `j` of node `n` is `eth<j>` with address `10.<base+j>.0.<n>`; the bridges carry
/// `10.<base+j>.0.254`, which is the master's address for the agents.
public struct VirtualCluster: Sendable {
    public var name: String
    public var nodes: Int
    public var interfaces: Int
    public var base: Int
    public var port: Int

    public init(name: String, nodes: Int, interfaces: Int, base: Int, port: Int) {
        self.name = name
        self.nodes = nodes
        self.interfaces = interfaces
        self.base = base
        self.port = port
    }

    public static func stateDirectory(_ name: String) -> String { "/run/lutf-cluster-\(name)" }
    public var stateDirectory: String { Self.stateDirectory(name) }
    public var clusterFile: String { stateDirectory + "/cluster.yaml" }

    func namespace(_ n: Int) -> String { "lutf-\(name)-\(n)" }
    func bridge(_ j: Int) -> String { "lb\(name)\(j)" }
    func hostVeth(_ n: Int, _ j: Int) -> String { "lv\(name)\(n)x\(j)" }
    public func address(node n: Int, interface j: Int) -> String { "10.\(base + j).0.\(n)" }
    public var masterAddress: String { "10.\(base).0.254" }

    /// Checks names and numbers; interface names must fit in 15 characters.
    public func validate() throws(LUTFError) {
        guard geteuid() == 0 else { throw LUTFError(.usage, "lutf cluster needs root (network namespaces)") }
        guard !name.isEmpty, name.count <= 4, name.allSatisfy({ $0.isLowercase || $0.isNumber }) else {
            throw LUTFError(.usage, "--name must be 1 to 4 lowercase letters or digits, got '\(name)'")
        }
        guard (1...60).contains(nodes) else { throw LUTFError(.usage, "--nodes must be from 1 to 60, got \(nodes)") }
        guard (1...4).contains(interfaces) else {
            throw LUTFError(.usage, "--interfaces must be from 1 to 4, got \(interfaces)")
        }
        guard (1...250).contains(base), base + interfaces <= 255 else {
            throw LUTFError(.usage, "--subnet-base must be from 1 to 250, got \(base)")
        }
    }

    /// Runs a command; throws with its output when it fails.
    @discardableResult
    static func sh(_ executable: String, _ args: [String]) async throws -> String {
        try await Command.run(executable, args, failure: .setup)
    }

    /// Creates the namespaces, links, addresses, keys and sshds, and writes the cluster file.
    public func up() async throws -> ClusterFile {
        try validate()
        let fm = FileManager.default
        if fm.fileExists(atPath: stateDirectory) {
            throw LUTFError(.usage, "cluster '\(name)' is already up (lutf cluster down --name \(name))")
        }
        guard fm.isExecutableFile(atPath: "/usr/sbin/sshd") else {
            throw LUTFError(.setup, "no /usr/sbin/sshd: install openssh-server (scripts/setup does)")
        }
        try fm.createDirectory(
            atPath: stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        do {
            try await build()
        } catch {
            await down()
            throw error
        }
        var file = ClusterFile(
            path: clusterFile, master: HostPort(host: masterAddress, port: port),
            agents: EmbeddedCluster.members(count: nodes).enumerated().map { index, member in
                ClusterFile.AgentEntry(
                    name: member.name, host: address(node: index + 1, interface: 0), role: member.role)
            })
        file.sshUser = "root"
        file.sshIdentity = stateDirectory + "/id_ed25519"
        file.sshOptions = ["StrictHostKeyChecking=no", "UserKnownHostsFile=/dev/null", "LogLevel=ERROR"]
        file.lnet = "simulated"
        file.simFabric = stateDirectory + "/fabric"
        try fm.createDirectory(atPath: stateDirectory + "/fabric", withIntermediateDirectories: true)
        try file.yaml.write(toFile: clusterFile, atomically: true, encoding: .utf8)
        return file
    }

    private func build() async throws {
        let dir = stateDirectory
        try await Self.sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", dir + "/id_ed25519"])
        try await Self.sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", dir + "/ssh_host_ed25519_key"])
        try FileManager.default.copyItem(atPath: dir + "/id_ed25519.pub", toPath: dir + "/authorized_keys")
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        try """
        HostKey \(dir)/ssh_host_ed25519_key
        AuthorizedKeysFile \(dir)/authorized_keys
        PermitRootLogin prohibit-password
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        UsePAM no
        StrictModes no
        LogLevel ERROR
        Subsystem sftp internal-sftp

        """.write(toFile: dir + "/sshd_config", atomically: true, encoding: .utf8)
        for j in 0..<interfaces {
            try await Self.sh("ip", ["link", "add", bridge(j), "type", "bridge"])
            try await Self.sh("ip", ["addr", "add", "10.\(base + j).0.254/24", "dev", bridge(j)])
            try await Self.sh("ip", ["link", "set", bridge(j), "up"])
        }
        for n in 1...nodes {
            let ns = namespace(n)
            try await Self.sh("ip", ["netns", "add", ns])
            try await Self.sh("ip", ["-n", ns, "link", "set", "lo", "up"])
            for j in 0..<interfaces {
                try await Self.sh(
                    "ip", ["link", "add", hostVeth(n, j), "type", "veth", "peer", "name", "eth\(j)", "netns", ns])
                try await Self.sh("ip", ["link", "set", hostVeth(n, j), "master", bridge(j), "up"])
                try await Self.sh(
                    "ip", ["-n", ns, "addr", "add", address(node: n, interface: j) + "/24", "dev", "eth\(j)"])
                try await Self.sh("ip", ["-n", ns, "link", "set", "eth\(j)", "up"])
            }
            try await Self.sh(
                "ip",
                [
                    "netns", "exec", ns, "/usr/sbin/sshd", "-f", dir + "/sshd_config", "-o",
                    "ListenAddress=\(address(node: n, interface: 0))", "-o", "PidFile=\(dir)/sshd-\(n).pid",
                ])
        }
    }

    /// Stops the sshds and removes namespaces, links and state (whatever of it exists).
    public func down() async {
        let dir = stateDirectory
        for n in 1...max(nodes, 1) {
            if let text = try? String(contentsOfFile: "\(dir)/sshd-\(n).pid", encoding: .utf8),
                let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
            {
                kill(pid, SIGTERM)
            }
            _ = try? await Self.sh("ip", ["netns", "pids", namespace(n)]).split(separator: "\n").compactMap {
                Int32($0)
            }.map {
                kill($0, SIGKILL)
            }
            _ = try? await Self.sh("ip", ["netns", "del", namespace(n)])
        }
        for j in 0..<max(interfaces, 1) { _ = try? await Self.sh("ip", ["link", "del", bridge(j)]) }
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// The cluster a name refers to, read back from its state (for `down`).
    public static func existing(name: String) throws(LUTFError) -> VirtualCluster {
        let file = stateDirectory(name) + "/cluster.yaml"
        guard FileManager.default.fileExists(atPath: file) else {
            throw LUTFError(.usage, "no virtual cluster '\(name)' is up")
        }
        let cluster = try ClusterFile(path: file)
        let parts = cluster.master.host.split(separator: ".")
        let base = parts.count == 4 ? Int(parts[1]) ?? 100 : 100
        return VirtualCluster(
            name: name, nodes: cluster.agents.count, interfaces: 4, base: base, port: cluster.master.port)
    }
}
