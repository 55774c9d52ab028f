import LUTFCore

/// Answers the `service` RPCs that code running on agents sends to the master (events,
/// barriers, the agent list, calls to other agents).
public protocol MasterServiceHandler: Sendable {
    /// Returns the operation's result, or throws a ``LUTFError`` for the caller.
    func serve(operation: String, parameters: Value, caller: String) async throws -> Value
}

/// Answers control-API operations beyond QUERY (RUN_TESTS, COLLECT_RESULTS, ...).
public protocol ControlHandler: Sendable {
    /// The operations this handler knows, for error messages.
    var operations: [String] { get }
    /// The `master_response:` map for `request`, or `nil` for an operation it does not know.
    func handle(operation: String, request: Value) async -> Value?
}
