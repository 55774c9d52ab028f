/// The message types of the wire protocol, carried in the frame header.
///
/// Unknown types are a protocol error: the receiver answers with an ``error`` frame and closes.
public enum MessageType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Server to client, first frame: protocol version and the server's nonce.
    case hello = 1
    /// Client to server: the client's nonce and its proof of the cluster key.
    case auth = 2
    /// Server to client: the server's proof; both sides are authenticated from here on.
    case authOK = 3
    /// Client to server, first authenticated frame: who the client is (agent or control client).
    case register = 4
    /// Server to client: registration accepted, with the heartbeat interval to use.
    case registered = 5
    /// Agent to master, every heartbeat interval.
    case heartbeat = 6
    /// Master to agent: the answer to a heartbeat, so agents notice a silent master too.
    case heartbeatAck = 7
    /// A remote procedure call (either direction).
    case rpcRequest = 8
    /// The reply to an ``rpcRequest`` with the same `id`.
    case rpcResponse = 9
    /// An asynchronous event (either direction).
    case event = 10
    /// A control-API request (QUERY, RUN_TESTS, COLLECT_RESULTS).
    case control = 11
    /// The `master_response:` answer to a ``control`` request.
    case controlResponse = 12
    /// A protocol or request error; before authentication it is always followed by a close.
    case error = 13
    /// An orderly goodbye before closing.
    case bye = 14

    public var description: String {
        switch self {
        case .hello: return "HELLO"
        case .auth: return "AUTH"
        case .authOK: return "AUTH_OK"
        case .register: return "REGISTER"
        case .registered: return "REGISTERED"
        case .heartbeat: return "HEARTBEAT"
        case .heartbeatAck: return "HEARTBEAT_ACK"
        case .rpcRequest: return "RPC_REQUEST"
        case .rpcResponse: return "RPC_RESPONSE"
        case .event: return "EVENT"
        case .control: return "CONTROL"
        case .controlResponse: return "CONTROL_RESPONSE"
        case .error: return "ERROR"
        case .bye: return "BYE"
        }
    }
}
