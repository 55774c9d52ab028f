import Foundation

/// The lnet_selftest console of a node: its session, groups, batches and tests.
public struct LSTConsole: Codable, Sendable {
    public var session: LSTSession?

    public init() {}
}

public struct LSTSession: Codable, Sendable {
    public var name: String
    public var key: Int
    public var timeout: Int
    public var groups: [String: [String]] = [:]
    public var groupOrder: [String] = []
    public var batches: [String: LSTBatch] = ["batch": LSTBatch()]

    public init(name: String, key: Int, timeout: Int) {
        self.name = name
        self.key = key
        self.timeout = timeout
    }
}

public struct LSTBatch: Codable, Sendable {
    public var tests: [LSTTest] = []
    /// When the batch was started (seconds since 1970), while it runs.
    public var startedAt: Double?
    /// Traffic already applied to the nodes' LNet counters, per test, in RPCs.
    public var accounted: [Int] = []

    public init() {}
}

public struct LSTTest: Codable, Sendable {
    public var kind: String  // "ping" or "brw"
    public var from: String
    public var to: String
    public var loop: Int
    public var concurrency: Int
    public var distribute: String
    public var write: Bool
    public var size: Int

    public init(
        kind: String, from: String, to: String, loop: Int, concurrency: Int, distribute: String, write: Bool, size: Int
    ) {
        self.kind = kind
        self.from = from
        self.to = to
        self.loop = loop
        self.concurrency = concurrency
        self.distribute = distribute
        self.write = write
        self.size = size
    }
}
