import Foundation
import LNetSim
import LUTFCore
import OrderedCollections

/// An agent whose node runs the LNet simulator: the simulated `lnetctl`, `lctl` and `lst` come
/// first on the Python workers' `PATH`, and the node's interfaces are published to the fabric
/// every second (other nodes cannot see them otherwise, e.g. from another network namespace).
public struct SimulatedLNet: AgentCallHandler {
    public let toolDirectory: String
    public let node: SimNode

    /// Prepares the node: `$LUTF_SIM_NODE` (default `workDirectory/lnet`), the tool links in
    /// `workDirectory/bin`.
    public init(workDirectory: String, environment: [String: String]) throws {
        var env = environment
        if env["LUTF_SIM_NODE"] == nil { env["LUTF_SIM_NODE"] = workDirectory + "/lnet" }
        self.node = try SimNode.fromEnvironment(env)
        self.toolDirectory = workDirectory + "/bin"
        try SimCommand.linkTools(into: toolDirectory)
    }

    /// What workers need in their environment.
    public func workerEnvironment(base: [String: String]) -> [String: String] {
        node.environment.merging([
            "PATH": toolDirectory + ":" + (base["PATH"] ?? "/usr/bin:/bin"), "LUTF_LNET": "simulated",
        ]) { $1 }
    }

    /// The node's interfaces: loopback and those the simulator sees that are up.
    public var interfaces: [NetworkInterface] {
        let loopback = NetworkInterface.discover().filter(\.isLoopback)
        return loopback
            + node.interfaces(state: node.load()).filter(\.up).map {
                NetworkInterface(name: $0.name, addresses: $0.addresses, isUp: true, isLoopback: false)
            }
    }

    public func accepts(_ request: OrderedDictionary<String, Value>) -> Bool { false }

    public func handle(_ request: OrderedDictionary<String, Value>, agent: Agent) async throws -> Value { .null }

    public func run(agent: Agent) async throws {
        while !Task.isCancelled {
            _ = node.interfaces(state: node.load())
            try await Task.sleep(for: .seconds(1))
        }
    }
}
