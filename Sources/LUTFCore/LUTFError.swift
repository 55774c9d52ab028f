import OrderedCollections

/// Every failure LUTF reports: a code for programs, a message for people.
///
/// The message says what went wrong and where (`agent 'mds1' did not answer within 30 s`); the
/// code travels with it over the wire so Python can raise the matching exception class.
public struct LUTFError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kind of failure, as named on the wire and in Python.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Bad command-line usage.
        public static let usage = Code(rawValue: "usage")
        /// A configuration or key file is missing or invalid.
        public static let config = Code(rawValue: "config")
        /// The run could not be set up (agents did not join, Python missing, ...).
        public static let setup = Code(rawValue: "setup")
        /// A file or socket operation failed.
        public static let io = Code(rawValue: "io")
        /// A peer broke the wire protocol (bad frame, bad YAML, unknown type).
        public static let protocolViolation = Code(rawValue: "protocol")
        /// Authentication failed or the peer refused us.
        public static let auth = Code(rawValue: "auth")
        /// The peer refused a request (name in use, not allowed).
        public static let refused = Code(rawValue: "refused")
        /// The agent a call was for died or is not connected.
        public static let agentDead = Code(rawValue: "agent_dead")
        /// A call or wait ran past its deadline.
        public static let timeout = Code(rawValue: "timeout")
        /// Code on the remote side raised an exception.
        public static let remote = Code(rawValue: "remote")
        /// The named agent, function, class, suite or test does not exist.
        public static let notFound = Code(rawValue: "not_found")
        /// A value cannot cross the wire.
        public static let unserialisable = Code(rawValue: "unserialisable")
        /// A barrier was broken by a dead party or a timeout.
        public static let barrierBroken = Code(rawValue: "barrier_broken")
        /// The operation was cancelled (test ended, shutdown).
        public static let cancelled = Code(rawValue: "cancelled")
        /// Anything else that went wrong inside LUTF.
        public static let failure = Code(rawValue: "failure")
    }

    public var code: Code
    public var message: String
    /// Extra structured detail (remote exception type and traceback, node name, ...).
    public var details: OrderedDictionary<String, Value>

    public init(_ code: Code, _ message: String, details: OrderedDictionary<String, Value> = [:]) {
        self.code = code
        self.message = message
        self.details = details
    }

    public var description: String { message }

    /// The error as a wire value: `{code, message, ...details}`.
    public var value: Value {
        var members: OrderedDictionary<String, Value> = ["code": .string(code.rawValue), "message": .string(message)]
        for (k, v) in details where members[k] == nil { members[k] = v }
        return .map(members)
    }

    /// Rebuilds an error from its wire value; anything unexpected becomes a `failure`.
    public init(value: Value) {
        let code = value["code"]?.stringValue.map(Code.init(rawValue:)) ?? .failure
        let message = value["message"]?.stringValue ?? "unspecified error: \(value.plainText)"
        var details = value.mapValue ?? [:]
        details.removeValue(forKey: "code")
        details.removeValue(forKey: "message")
        self.init(code, message, details: details)
    }
}
