import LUTFCore
import OrderedCollections

/// Runs the RPCs the master sends to an agent.
public protocol AgentCallHandler: Sendable {
    /// Whether this handler runs `request` (by its `type`, `fname`, `script`).
    func accepts(_ request: OrderedDictionary<String, Value>) -> Bool
    /// Runs `request` and returns its value, or throws a ``LUTFError`` for the caller.
    func handle(_ request: OrderedDictionary<String, Value>, agent: Agent) async throws -> Value
    /// Runs whatever the handler needs in the background (listeners, child processes) for as long
    /// as the agent runs; returns when cancelled.
    func run(agent: Agent) async throws
    /// Whether the handler ends its calls at the request's `deadline` itself (then the agent does
    /// not race each call against its own timer).
    var enforcesDeadline: Bool { get }
}

extension AgentCallHandler {
    public func run(agent: Agent) async throws {}
    public var enforcesDeadline: Bool { false }
}

/// The functions every agent has without Python: `echo`, `info`, `interfaces`, `sleep`, `fail`
/// (and those of ``NodeLNet``).
public struct BuiltinFunctions: AgentCallHandler {
    public static let names = ["echo", "info", "interfaces", "sleep", "fail"] + NodeLNet.functions

    public init() {}

    public func accepts(_ request: OrderedDictionary<String, Value>) -> Bool {
        request["type"]?.stringValue == "function_call" && (request["script"] ?? .null).isNull
    }

    public func handle(_ request: OrderedDictionary<String, Value>, agent: Agent) async throws -> Value {
        let parameters = request["parameters"] ?? [:]
        switch request["fname"]?.stringValue ?? "" {
        case "echo":
            return parameters
        case "info":
            return agent.info
        case "interfaces":
            return .list(agent.networkInterfaces.map(\.value))
        case "sleep":
            let seconds = parameters["seconds"]?.doubleValue ?? 1
            try await Task.sleep(for: .seconds(seconds))
            return .double(seconds)
        case "fail":
            throw LUTFError(.failure, parameters["message"]?.stringValue ?? "failure requested")
        case let name:
            throw LUTFError(
                .notFound,
                "agent '\(agent.settings.name)' has no built-in function '\(name)' (built-ins: \(Self.names.joined(separator: ", ")); Python functions need a 'script')"
            )
        }
    }
}
