import LUTFCore

/// Starts the agents of a cluster once the master listens (`lutf launch`).
public protocol AgentLauncher: Sendable {
    /// The agents it starts, by name.
    var agentNames: [String] { get }
    /// Starts every agent (each a child process of `supervisor`, its output in `logDirectory`)
    /// and returns their processes; the run waits for them to join.
    func start(master: HostPort, runID: String, supervisor: ProcessSupervisor, logDirectory: String) async throws
        -> [ChildProcess]
    /// Cleans up on the hosts after the run (best effort).
    func finish(runID: String, supervisor: ProcessSupervisor) async
}
