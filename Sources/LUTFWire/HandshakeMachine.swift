import Crypto
import LUTFCore

/// One side of the handshake as a state machine: what it sends first, what it answers to each
/// frame, when the connection is established and with which session key, and what breaks the
/// protocol. It holds no channel; ``WireHandler`` carries out its steps.
struct HandshakeMachine {
    enum State {
        case idle
        case serverAwaitingAuth(serverNonce: [UInt8])
        case clientAwaitingHello
        case clientAwaitingAuthOK(serverNonce: [UInt8], clientNonce: [UInt8])
        case established

        var name: String {
            switch self {
            case .idle: return "before the connection was active"
            case .serverAwaitingAuth: return "while waiting for AUTH"
            case .clientAwaitingHello: return "while waiting for HELLO"
            case .clientAwaitingAuthOK: return "while waiting for AUTH_OK"
            case .established: return "after authentication"
            }
        }
    }

    /// What to do with a frame that came in.
    enum Step {
        /// An authenticated message for the layer above.
        case deliver
        /// Send this handshake frame.
        case send(Message)
        /// Send `reply` (if any) as the last unsealed frame, then seal and verify everything
        /// under `sessionKey`.
        case establish(sessionKey: SymmetricKey, reply: Message?)
    }

    let side: WireHandler.Side
    private let clusterKey: SymmetricKey
    private(set) var state: State = .idle

    init(side: WireHandler.Side, clusterKey: SymmetricKey) {
        self.side = side
        self.clusterKey = clusterKey
    }

    var isEstablished: Bool {
        if case .established = state { return true }
        return false
    }

    /// The connection is up: the server's HELLO (with a fresh nonce); the client waits for it.
    mutating func start(nonce: [UInt8] = Handshake.nonce()) -> Message? {
        switch side {
        case .server:
            state = .serverAwaitingAuth(serverNonce: nonce)
            return Message(
                .hello,
                [
                    "hello": [
                        "protocol": .int(Int(FrameHeader.protocolVersion)), "nonce": .string(Hex.encode(nonce)),
                        "software": .string(LUTFDefaults.software),
                    ]
                ])
        case .client:
            state = .clientAwaitingHello
            return nil
        }
    }

    /// The step for a frame of `type` with `body` from `peer`.
    ///
    /// - Throws: ``FrameError`` for a frame out of place, ``LUTFError`` `auth` for a refusal, a
    ///   malformed handshake frame, or a proof that does not verify.
    mutating func receive(_ type: MessageType, _ body: Value, from peer: String) throws -> Step {
        switch (state, type) {
        case (.established, .hello), (.established, .auth), (.established, .authOK):
            throw FrameError.unexpected(type, state: state.name)
        case (.established, _):
            return .deliver
        case (_, .error):
            // Not authenticated yet: the peer has proved nothing, so its refusal is an `auth`
            // failure whatever code it claims (an agent gives up only after several in a row).
            let remote = LUTFError(value: body["error"] ?? [:])
            throw LUTFError(.auth, "\(peer) refused the connection: \(remote.message)")
        case (.serverAwaitingAuth(let serverNonce), .auth):
            guard let clientNonce = body["auth"]?["nonce"]?.stringValue.flatMap(Hex.decode),
                clientNonce.count == Handshake.nonceSize,
                let proof = body["auth"]?["proof"]?.stringValue.flatMap(Hex.decode)
            else {
                throw LUTFError(.auth, "malformed AUTH frame (expected auth: {nonce, proof})")
            }
            let expected = Handshake.clientProof(key: clusterKey, serverNonce: serverNonce, clientNonce: clientNonce)
            guard Handshake.equal(proof, expected) else {
                throw LUTFError(.auth, "authentication failed: the peer does not hold this cluster's key")
            }
            let serverProof = Handshake.serverProof(key: clusterKey, serverNonce: serverNonce, clientNonce: clientNonce)
            state = .established
            return .establish(
                sessionKey: Handshake.sessionKey(key: clusterKey, serverNonce: serverNonce, clientNonce: clientNonce),
                reply: Message(.authOK, ["auth_ok": ["proof": .string(Hex.encode(serverProof))]]))
        case (.clientAwaitingHello, .hello):
            guard let serverNonce = body["hello"]?["nonce"]?.stringValue.flatMap(Hex.decode),
                serverNonce.count == Handshake.nonceSize
            else {
                throw LUTFError(.auth, "malformed HELLO frame (expected hello: {protocol, nonce})")
            }
            let clientNonce = Handshake.nonce()
            let proof = Handshake.clientProof(key: clusterKey, serverNonce: serverNonce, clientNonce: clientNonce)
            state = .clientAwaitingAuthOK(serverNonce: serverNonce, clientNonce: clientNonce)
            return .send(
                Message(
                    .auth, ["auth": ["nonce": .string(Hex.encode(clientNonce)), "proof": .string(Hex.encode(proof))]]))
        case (.clientAwaitingAuthOK(let serverNonce, let clientNonce), .authOK):
            let expected = Handshake.serverProof(key: clusterKey, serverNonce: serverNonce, clientNonce: clientNonce)
            guard let proof = body["auth_ok"]?["proof"]?.stringValue.flatMap(Hex.decode),
                Handshake.equal(proof, expected)
            else {
                throw LUTFError(
                    .auth, "\(peer) failed to prove it holds the cluster key (is it using a different key file?)")
            }
            state = .established
            return .establish(
                sessionKey: Handshake.sessionKey(key: clusterKey, serverNonce: serverNonce, clientNonce: clientNonce),
                reply: nil)
        default:
            throw FrameError.unexpected(type, state: state.name)
        }
    }
}
