import LUTFCore

/// One decoded, authenticated message: its type and its YAML body.
public struct Message: Sendable, Equatable {
    public var type: MessageType
    public var body: Value

    public init(_ type: MessageType, _ body: Value) {
        self.type = type
        self.body = body
    }

    /// An ``MessageType/error`` message carrying `error`.
    public static func error(_ error: LUTFError) -> Message {
        Message(.error, ["error": error.value])
    }
}
