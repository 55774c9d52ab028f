import Foundation
import LUTFCore
import LUTFSuites

/// Starts a cluster's agents over `ssh` (BatchMode) or `pdsh -R ssh`, each in the foreground of
/// its remote shell so that its log streams back into `results/nodes/NAME.log`; or, `via: local`,
/// the same command in a shell on this host (a one-host cluster).
///
/// The cluster key travels on the ssh connection's standard input into a 0600 file on the host
/// (with pdsh, which does not forward standard input, the key file must be on every host at the
/// same path).
/// With `push`, the `lutf` binary, the Python package and the suites of the run are first copied
/// to a temporary directory on each host (and removed afterwards); without it they must exist at
/// the same paths there. Agents exit when the master goes away (`--exit-with-master`).
public struct SSHLauncher: AgentLauncher {
    public let cluster: ClusterFile
    public let keyPath: String
    public var push = false
    /// Local directories the run uses (suites), copied with `push` and mapped to their copies.
    public var pushedPaths: [String] = []
    public let binary: String
    public let home: String

    public init(cluster: ClusterFile, keyPath: String, binary: String, home: String) {
        self.cluster = cluster
        self.keyPath = keyPath
        self.binary = binary
        self.home = home
    }

    public var agentNames: [String] { cluster.agents.map(\.name) }

    var pdsh: Bool { cluster.via == "pdsh" }

    /// Why `via: local` cannot start this cluster: an agent whose host is not this one.
    public static func localProblem(_ cluster: ClusterFile) -> String? {
        let here = HostInfo.localNames
        guard let agent = cluster.agents.first(where: { !here.contains($0.host) }) else { return nil }
        return
            "via: local starts agents on this host only, but agent '\(agent.name)' is on '\(agent.host)' (this host is \(HostInfo.hostname); use via: ssh)"
    }

    /// Why this launch cannot work with pdsh, which does not forward standard input: neither a
    /// throwaway key nor `push` can reach the hosts.
    public static func pdshProblem(throwawayKey: Bool, push: Bool, cluster: ClusterFile? = nil) -> String? {
        if let cluster, let agent = cluster.agents.first(where: { $0.sshPort != nil }) {
            return
                "via pdsh cannot give agent '\(agent.name)' its own ssh_port: pdsh uses one ssh command line for every host (use via: ssh)"
        }
        if push {
            return "--push needs ssh: pdsh does not forward standard input (install lutf on the hosts, or use via: ssh)"
        }
        if throwawayKey {
            return
                "via pdsh needs a cluster key file at the same path on every host (--key, LUTF_KEY or the cluster file's key): pdsh cannot hand a throwaway key over standard input"
        }
        return nil
    }

    /// The directory of `agent` on its host for a run: made fresh by the run (`mkdir`, which fails
    /// on anything already there), so nobody else can have planted what the agent runs or trusts.
    static func remoteDirectory(_ runID: String, _ agent: String) -> String { "/tmp/lutf-\(runID)-\(agent)" }

    /// `ssh` (or `pdsh`, or a local shell) arguments running `command` on `agent`'s host.
    func remote(_ agent: ClusterFile.AgentEntry, _ command: String) -> (String, [String]) {
        switch cluster.via {
        // pdsh passes the ssh options to ssh through PDSH_SSH_ARGS_APPEND.
        case "pdsh": ("pdsh", ["-S", "-R", "ssh", "-w", agent.host, command])
        case "local": ("/bin/sh", ["-c", command])
        default: ("ssh", sshOptions(port: agent.sshPort) + [agent.host, command])
        }
    }

    /// The options every ssh connection gets: BatchMode, a connect timeout, and the cluster's.
    func sshOptions(port: Int? = nil) -> [String] {
        var ssh = cluster.sshConfig.map { ["-F", $0] } ?? []
        ssh += ["-o", "BatchMode=yes", "-o", "ConnectTimeout=10"]
        for option in cluster.sshOptions { ssh += ["-o", option] }
        if let port = port ?? cluster.sshPort { ssh += ["-p", String(port)] }
        if let identity = cluster.sshIdentity { ssh += ["-i", identity] }
        if let user = cluster.sshUser { ssh += ["-l", user] }
        return ssh
    }

    func spec(name: String, agent: ClusterFile.AgentEntry, command: String, input: String?, log: String) -> ProcessSpec
    {
        let (tool, args) = remote(agent, command)
        var env = ProcessInfo.processInfo.environment
        if pdsh { env["PDSH_SSH_ARGS_APPEND"] = sshOptions().joined(separator: " ") }
        var spec = ProcessSpec(
            name: name, executable: Command.which(tool), arguments: args, environment: env, logPath: log)
        spec.inputFile = input
        return spec
    }

    public func start(master: HostPort, runID: String, supervisor: ProcessSupervisor, logDirectory: String) async throws
        -> [ChildProcess]
    {
        try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
        var mapping: [(String, String)] = []
        if push {
            let bundle = try await makeBundle(runID: runID)
            defer { try? FileManager.default.removeItem(atPath: bundle.path) }
            mapping = bundle.mapping
            let bundlePath = bundle.path
            // Copy to every host at once.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for agent in cluster.agents {
                    let directory = Self.quote(Self.remoteDirectory(runID, agent.name))
                    group.addTask {
                        let copy = try await supervisor.start(
                            spec(
                                name: "push to \(agent.host)", agent: agent,
                                command:
                                    "umask 077 && mkdir \(directory) && mkdir \(directory)/home && tar -C \(directory)/home -xzf -",
                                input: bundlePath, log: logDirectory + "/push-\(agent.name).log"))
                        let status = try await copy.waitForExit()
                        guard status.isSuccess else {
                            throw LUTFError(
                                .setup,
                                "cannot copy lutf to \(agent.host) (\(status)): \(copy.log.trimmingCharacters(in: .whitespacesAndNewlines))"
                            )
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        var processes: [ChildProcess] = []
        for agent in cluster.agents {
            let remoteDir = Self.remoteDirectory(runID, agent.name)
            var remoteBinary = binary
            var remoteHome = cluster.remoteHome ?? home
            let pathMap = mapping.map { ($0.0, remoteDir + "/home/" + $0.1) }
            if push {
                remoteHome = remoteDir + "/home"
                remoteBinary = remoteHome + "/lutf"
            }
            var env = ["LUTF_HOME=\(remoteHome)"]
            if let python = cluster.python { env.append("LUTF_PYTHON=\(python)") }
            if !pathMap.isEmpty {
                env.append("LUTF_PATH_MAP=" + pathMap.map { "\($0.0)=\($0.1)" }.joined(separator: ";"))
            }
            if cluster.lnet == "simulated" {
                env.append("LUTF_SIM_NODE=\(remoteDir)/sim-\(agent.name)")
                if let fabric = cluster.simFabric { env.append("LUTF_SIM_FABRIC=\(fabric)") }
            }
            // pdsh does not forward standard input: the key file must already be on the host.
            let keyFile = pdsh ? keyPath : "\(remoteDir)/\(agent.name).key"
            var agentArguments = [
                remoteBinary, "agent", "--master", master.description, "--name", agent.name, "--role", agent.role,
                "--key", keyFile, "--exit-with-master", "--lnet", cluster.lnet, "--work-dir",
                "\(remoteDir)/work-\(agent.name)",
            ]
            if !agent.interfaces.isEmpty {
                agentArguments += ["--interfaces", agent.interfaces.joined(separator: ",")]
            }
            if !agent.aliases.isEmpty { agentArguments += ["--aliases", agent.aliases.joined(separator: ",")] }
            let agentCommand = agentArguments.map(Self.quote).joined(separator: " ")
            let receiveKey = pdsh ? "" : " && cat > \(Self.quote(keyFile))"
            let directory = Self.quote(remoteDir)
            // The run's directory: made now, or (pushed) made by this run's copy: ours, no link.
            let makeDirectory =
                push
                ? "{ [ -d \(directory) ] && [ -O \(directory) ] && [ ! -L \(directory) ] || { echo \"lutf: \(remoteDir) was not made by this run: refusing it\" >&2; exit 97; }; }"
                : "mkdir \(directory)"
            let command =
                "umask 077 && \(makeDirectory)\(receiveKey) && exec env \(env.map(Self.quote).joined(separator: " ")) \(agentCommand)"
            let log = logDirectory + "/\(agent.name).log"
            try? FileManager.default.removeItem(atPath: log)
            processes.append(
                try await supervisor.start(
                    spec(name: agent.name, agent: agent, command: command, input: pdsh ? nil : keyPath, log: log)))
        }
        return processes
    }

    public func finish(runID: String, supervisor: ProcessSupervisor) async {
        await withTaskGroup(of: Void.self) { group in
            for agent in cluster.agents {
                let remoteDir = Self.remoteDirectory(runID, agent.name)
                group.addTask {
                    // The agents leave with the master; remove what the run put on the host.
                    guard
                        let cleanup = try? await supervisor.start(
                            spec(
                                name: "clean \(agent.host)", agent: agent,
                                command: "sleep 1; rm -rf \(Self.quote(remoteDir))", input: nil, log: "/dev/null"))
                    else { return }
                    _ = try? await withTimeout(seconds: 15) { try await cleanup.waitForExit() }
                }
            }
        }
    }

    /// A tarball of the binary (`lutf`), the Python package (`python/`) and the run's suites
    /// (`suites/N-NAME`), with the local paths each copy stands for.
    func makeBundle(runID: String) async throws -> (path: String, mapping: [(String, String)]) {
        let staging = try HostInfo.makeTemporaryDirectory("lutf-push-\(runID)")
        let fm = FileManager.default
        try fm.createDirectory(atPath: staging + "/suites", withIntermediateDirectories: true)
        try fm.copyItem(atPath: binary, toPath: staging + "/lutf")
        try fm.copyItem(atPath: home + "/python", toPath: staging + "/python")
        var mapping: [(String, String)] = []
        for (index, path) in pushedPaths.enumerated() {
            let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: absolute, isDirectory: &isDirectory) else { continue }
            // A script path pushes its suite directory.
            let source =
                isDirectory.boolValue ? absolute : URL(fileURLWithPath: absolute).deletingLastPathComponent().path
            let target = "suites/\(index)-\(URL(fileURLWithPath: source).lastPathComponent)"
            try fm.copyItem(atPath: source, toPath: staging + "/" + target)
            mapping.append((source, target))
        }
        let tarball = staging + ".tgz"
        defer { try? fm.removeItem(atPath: staging) }
        do {
            try await Command.run("tar", ["-czf", tarball, "-C", staging, "."], failure: .setup)
        } catch let error as LUTFError {
            throw LUTFError(.setup, "cannot pack lutf for --push: \(error.message)")
        }
        return (tarball, mapping)
    }

    /// `text` quoted for a POSIX shell.
    static func quote(_ text: String) -> String {
        if !text.isEmpty && text.allSatisfy({ $0.isLetter || $0.isNumber || "-_./=:@,+".contains($0) }) { return text }
        return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
