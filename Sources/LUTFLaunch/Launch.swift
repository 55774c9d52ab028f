import Foundation
import LUTFCore
import LUTFSuites
import LUTFWire
import Logging

/// `lutf launch`: a run whose agents are started on the cluster's hosts over ssh or pdsh.
public enum Launch {
    /// Runs `request` on `cluster`, starting its agents with a ``SSHLauncher``.
    ///
    /// The key is `key` (the flag), else `$LUTF_KEY`, else the cluster file's, else a throwaway
    /// key made for this run and removed after it.
    public static func run(
        _ request: RunRequest, cluster given: ClusterFile, key flag: String?, push: Bool, logger: Logger,
        environment: [String: String], output: @escaping @Sendable (String) -> Void
    ) async throws -> RunSummary {
        var request = request
        var clusterFile = given
        let given = flag ?? environment["LUTF_KEY"].flatMap { $0.isEmpty ? nil : $0 } ?? clusterFile.keyPath
        if clusterFile.via == "pdsh",
            let problem = SSHLauncher.pdshProblem(throwawayKey: given == nil, push: push, cluster: clusterFile)
        {
            throw LUTFError(.usage, problem)
        }
        if clusterFile.via == "local", let problem = SSHLauncher.localProblem(clusterFile) {
            throw LUTFError(.usage, problem)
        }
        let keyPath: String
        if let given {
            _ = try ClusterKey.load(from: given)
            keyPath = given
        } else {
            keyPath = NSTemporaryDirectory() + "lutf-launch-\(HostInfo.randomToken(bytes: 6)).key"
            _ = try ClusterKey.writeNew(to: keyPath, force: true)
        }
        defer { if given == nil { try? FileManager.default.removeItem(atPath: keyPath) } }
        clusterFile.keyPath = keyPath
        let runtime = try await PythonRuntime.locate()
        var launcher = SSHLauncher(
            cluster: clusterFile, keyPath: keyPath, binary: HostInfo.executablePath, home: runtime.home)
        launcher.push = push
        launcher.pushedPaths = runtime.suitePaths(request.paths, environment: environment)
        request.cluster = clusterFile
        request.keyPath = keyPath
        request.launcher = launcher
        return try await RunController.run(request, logger: logger, output: output)
    }
}
