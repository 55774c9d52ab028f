import LUTFCore

/// One decoded, authenticated message: its type and its YAML body.
public struct Message: Sendable, Equatable {
    public var type: MessageType
    public var body: Value {
        didSet { json = nil }
    }
    /// The body as JSON, when ``encoded(limit:)`` made it ahead of the write.
    public private(set) var json: [UInt8]?

    public init(_ type: MessageType, _ body: Value) {
        self.type = type
        self.body = body
    }

    /// An ``MessageType/error`` message carrying `error`.
    public static func error(_ error: LUTFError) -> Message {
        Message(.error, ["error": error.value])
    }

    /// This message with its body encoded now, by the caller, so that the connection's event
    /// loop (shared with other connections) only seals and writes it: a 16 MiB value costs its
    /// sender's task tens of milliseconds, not every other agent's heartbeats.
    ///
    /// - Throws: ``LUTFError`` `usage` when the body passes `limit` bytes (found without
    ///   building more than `limit` of it).
    public func encoded(limit: Int) throws(LUTFError) -> Message {
        var message = self
        do {
            message.json = try JSONText.encode(body, limit: limit)
        } catch {
            throw Self.tooLarge(type, limit: limit)
        }
        return message
    }

    static func tooLarge(_ type: MessageType, limit: Int) -> LUTFError {
        LUTFError(.usage, "a \(type) is over the \(limit)-byte frame limit (max_frame)")
    }

    public static func == (a: Message, b: Message) -> Bool {
        a.type == b.type && a.body == b.body
    }
}
