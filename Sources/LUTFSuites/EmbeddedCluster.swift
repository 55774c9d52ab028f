import Foundation
import LUTFCore

/// The local cluster `lutf run` starts when no cluster is given: N `lutf agent` processes on
/// 127.0.0.1, each a simulated LNet node with its own name, interfaces and state.
public enum EmbeddedCluster {
    /// Names and roles after auster's conventions: `mds1` (MDS), `oss1` (OSS), then `client1`,
    /// `client2`, ... (client).
    public static func members(count: Int) -> [(name: String, role: String)] {
        (0..<count).map { i in
            switch i {
            case 0: return ("mds1", "MDS")
            case 1: return ("oss1", "OSS")
            default: return ("client\(i - 1)", "client")
            }
        }
    }

    /// Simulated interfaces of member `index` (0-based): `eth<j>` = 10.<j+1>.0.<index+1>, one
    /// subnet per interface, as the VM cluster's guests have them.
    public static func simulatedInterfaces(index: Int, count: Int = 2) -> String {
        (0..<count).map { "eth\($0)=10.\($0 + 1).0.\(index + 1)" }.joined(separator: ",")
    }

    /// Starts the agents and returns their processes (not waiting for them to register).
    public static func start(
        count: Int, interfaces: Int = 2, master: HostPort, keyPath: String, supervisor: ProcessSupervisor,
        workDirectory: String,
        logDirectory: String, runtime: PythonRuntime
    ) async throws -> [ChildProcess] {
        let executable = HostInfo.executablePath
        try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
        let simDirectory = workDirectory + "/sim"
        try FileManager.default.createDirectory(atPath: simDirectory + "/fabric", withIntermediateDirectories: true)
        var processes: [ChildProcess] = []
        for (index, member) in members(count: count).enumerated() {
            let log = logDirectory + "/\(member.name).log"
            try? FileManager.default.removeItem(atPath: log)
            var env = ProcessInfo.processInfo.environment
            env["LUTF_PYTHON"] = runtime.interpreter
            env["LUTF_HOME"] = runtime.home
            env["LUTF_SIM_NODE"] = simDirectory + "/" + member.name
            env["LUTF_SIM_FABRIC"] = simDirectory + "/fabric"
            env["LUTF_SIM_INTERFACES"] = simulatedInterfaces(index: index, count: interfaces)
            env["LUTF_KEY"] = nil
            env["LUTF_MASTER"] = nil
            // The agent leaves with the run: when its master's connection ends, and when this
            // process ends (its lifeline), however it ends.
            var spec = ProcessSpec(
                name: member.name, executable: executable,
                arguments: [
                    "agent", "--master", master.description, "--name", member.name, "--role", member.role,
                    "--key", keyPath, "--lnet", "simulated", "--work-dir", workDirectory + "/" + member.name,
                    "--exit-with-master", "--lifeline",
                ], environment: env, logPath: log)
            spec.lifeline = true
            processes.append(try await supervisor.start(spec))
        }
        return processes
    }
}
