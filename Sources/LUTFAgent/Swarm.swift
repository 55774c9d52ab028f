import LUTFCore
import Logging

/// Many agents in one process, for load tests: each is a real ``Agent`` with its own connection,
/// handshake and heartbeats, named `PREFIX1` ... `PREFIXn`.
public struct Swarm: Sendable {
    public var settings: AgentSettings
    public var count: Int
    public var prefix: String

    public init(settings: AgentSettings, count: Int, prefix: String) {
        self.settings = settings
        self.count = count
        self.prefix = prefix
    }

    /// The names of the swarm's agents.
    public var names: [String] { (1...max(1, count)).map { "\(prefix)\($0)" } }

    /// Runs every agent until cancelled.
    public func run(logger: Logger) async throws {
        try await withThrowingDiscardingTaskGroup { group in
            for name in names {
                var agentSettings = settings
                agentSettings.name = name
                agentSettings.role = Roles.derive(fromName: name)
                let agent = Agent(settings: agentSettings, logger: logger)
                group.addTask { try await agent.run() }
            }
        }
    }
}
