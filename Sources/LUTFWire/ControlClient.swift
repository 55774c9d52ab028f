import LUTFCore
import Logging
import NIOCore

/// A short-lived authenticated connection to a master's control API (QUERY, RUN_TESTS,
/// COLLECT_RESULTS), as `lutf status`, `submit` and `collect` use it.
public struct ControlClient: Sendable {
    public let master: HostPort
    public let key: ClusterKey
    public var logger: Logger
    public var timeout: Double = 30

    public init(master: HostPort, key: ClusterKey, logger: Logger) {
        self.master = master
        self.key = key
        self.logger = logger
    }

    /// Sends one control request (`{op: query, ...}`) and returns the `master_response:` map.
    ///
    /// - Throws: ``LUTFError`` when the master cannot be reached, refuses us, or does not answer
    ///   within ``timeout`` seconds.
    public func request(_ request: Value) async throws -> Value {
        let channel = try await WireClient.connect(to: master, key: key, logger: logger)
        let deadline = timeout
        let master = self.master
        return try await channel.executeThenClose { inbound, _ in
            try await withTimeout(
                seconds: deadline,
                orThrow: { LUTFError(.timeout, "master \(master) did not answer within \(deadline.secondsText)") }
            ) {
                var messages = inbound.makeAsyncIterator()
                try await channel.channel.writeAndFlush(Message(.register, ["register": ["kind": "control"]]))
                try await channel.channel.writeAndFlush(Message(.control, ["control": request]))
                while let message = try await messages.next() {
                    switch message.type {
                    case .registered: continue
                    case .controlResponse: return message.body["master_response"] ?? [:]
                    case .error:
                        let error = LUTFError(value: message.body["error"] ?? [:])
                        throw LUTFError(error.code, "master \(master): \(error.message)")
                    default: continue
                    }
                }
                throw LUTFError(.io, "master \(master) closed the connection without answering")
            }
        }
    }
}
