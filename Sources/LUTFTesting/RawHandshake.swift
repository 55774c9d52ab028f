import Crypto
import LUTFCore
import LUTFWire

/// The client side of the handshake done by hand over a ``RawConnection``, so a test can then
/// send sealed frames of its own making, or replay the AUTH frame elsewhere.
public struct RawHandshake: Sendable {
    /// The AUTH frame exactly as sent.
    public var authFrame: [UInt8]
    /// The session key both sides derived.
    public var sessionKey: SymmetricKey

    /// A sealer for frames from this client, continuing the connection's sequence numbers.
    public var sealer: FrameSealer {
        var sealer = FrameSealer(direction: FrameSealer.clientDirection)
        sealer.sessionKey = sessionKey
        return sealer
    }

    /// Performs the handshake with `key`; throws if the server does not complete it.
    public static func perform(on connection: RawConnection, key: ClusterKey) async throws -> RawHandshake {
        let hello = try await connection.nextFrame(within: 20)
        guard hello.header.typeCode == MessageType.hello.rawValue,
            let serverNonce = hello.body["hello"]?["nonce"]?.stringValue.flatMap(Hex.decode)
        else { throw LUTFError(.protocolViolation, "expected HELLO, got type \(hello.header.typeCode)") }
        let clientNonce = Handshake.nonce()
        let proof = Handshake.clientProof(key: key.key, serverNonce: serverNonce, clientNonce: clientNonce)
        var plain = FrameSealer(direction: FrameSealer.clientDirection)
        let auth = plain.seal(
            typeCode: MessageType.auth.rawValue,
            body: JSONText.encode(
                ["auth": ["nonce": .string(Hex.encode(clientNonce)), "proof": .string(Hex.encode(proof))]]))
        await connection.send(auth)
        let reply = try await connection.nextFrame(within: 20)
        guard reply.header.typeCode == MessageType.authOK.rawValue else {
            throw LUTFError(.auth, "handshake refused: \(reply.body.plainText)")
        }
        return RawHandshake(
            authFrame: auth,
            sessionKey: Handshake.sessionKey(key: key.key, serverNonce: serverNonce, clientNonce: clientNonce))
    }
}

/// Seeded generation of malformed and random frames for fuzzing a LUTF port.
public struct FrameFuzzer {
    private var rng: SplitMix64

    public init(seed: UInt64) {
        rng = SplitMix64(seed: seed)
    }

    /// One fuzz case: bytes to send before authentication, or after a real handshake.
    public enum Case: Sendable, CustomStringConvertible {
        case preAuth(String, [UInt8])
        case postAuth(String, @Sendable (inout FrameSealer) -> [UInt8])

        public var description: String {
            switch self {
            case .preAuth(let what, _): return "pre-auth \(what)"
            case .postAuth(let what, _): return "post-auth \(what)"
            }
        }
    }

    private mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    }

    private mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(rng.next() % UInt64(range.count))
    }

    private mutating func header(typeCode: UInt8, flags: UInt16, length: UInt32, version: UInt8 = 1) -> [UInt8] {
        FrameHeader(version: version, typeCode: typeCode, flags: .init(rawValue: flags), length: length).bytes
    }

    /// The next case.
    public mutating func next() -> Case {
        let validTypes = MessageType.allCases.map(\.rawValue)
        switch int(0...13) {
        case 0:
            return .preAuth("random bytes", bytes(int(1...256)))
        case 1:
            var h = header(typeCode: 1, flags: 0, length: 4)
            h[int(0...3)] ^= UInt8(int(1...255))
            return .preAuth("bad magic", h + bytes(4))
        case 2:
            return .preAuth(
                "bad version",
                header(typeCode: MessageType.auth.rawValue, flags: 0, length: 2, version: UInt8(int(2...255)))
                    + Array("{}".utf8))
        case 3:
            let t = UInt8(int(15...255))
            return .preAuth("unknown type \(t)", header(typeCode: t, flags: 0, length: 2) + Array("{}".utf8))
        case 4:
            return .preAuth(
                "oversized pre-auth frame",
                header(typeCode: MessageType.auth.rawValue, flags: 0, length: UInt32(int(70_000...Int(UInt32.max)))))
        case 5:
            let body = bytes(int(0...64))
            return .preAuth(
                "AUTH with garbage body",
                header(typeCode: MessageType.auth.rawValue, flags: 0, length: UInt32(body.count)) + body)
        case 6:
            let body = JSONText.encode([
                "auth": ["nonce": .string(Hex.encode(bytes(32))), "proof": .string(Hex.encode(bytes(32)))]
            ])
            return .preAuth(
                "AUTH with a forged proof",
                header(typeCode: MessageType.auth.rawValue, flags: 0, length: UInt32(body.count)) + body)
        case 7:
            let t = validTypes[int(0...validTypes.count - 1)]
            let body = JSONText.encode(["register": ["kind": "agent", "name": "intruder"]])
            return .preAuth(
                "unauthenticated type \(t)", header(typeCode: t, flags: 0, length: UInt32(body.count)) + body)
        case 8:
            let t = validTypes[int(0...validTypes.count - 1)]
            let body = JSONText.encode(["register": ["kind": "agent", "name": "intruder"]])
            return .preAuth(
                "frame with a MAC before auth",
                header(typeCode: t, flags: 1, length: UInt32(body.count)) + body + bytes(32))
        case 9:
            let garbage = bytes(int(1...128))
            return .postAuth("garbage YAML body") { sealer in
                sealer.seal(typeCode: MessageType.register.rawValue, body: garbage)
            }
        case 10:
            let t = UInt8(int(15...255))
            return .postAuth("unknown type \(t)") { sealer in sealer.seal(typeCode: t, body: Array("{}".utf8)) }
        case 11:
            let flip = int(0...200)
            return .postAuth("frame with a corrupted MAC") { sealer in
                var frame = sealer.seal(
                    typeCode: MessageType.register.rawValue,
                    body: JSONText.encode(["register": ["kind": "agent", "name": "intruder"]]))
                frame[frame.count - 1 - flip % 32] ^= 0x5a
                return frame
            }
        case 12:
            let name = String(decoding: bytes(int(0...80)).map { $0 % 94 + 33 }, as: UTF8.self)
            let kind = ["agent", "control", "bogus", ""][int(0...3)]
            return .postAuth("REGISTER with odd name '\(name)' kind '\(kind)'") { sealer in
                var frames = sealer.seal(
                    typeCode: MessageType.heartbeat.rawValue, body: JSONText.encode(["heartbeat": 1]))
                frames += sealer.seal(
                    typeCode: MessageType.register.rawValue,
                    body: JSONText.encode(["register": ["kind": .string(kind), "name": .string(name), "pid": "x"]]))
                return frames
            }
        default:
            return .postAuth("replayed frame") { sealer in
                let first = sealer.seal(
                    typeCode: MessageType.register.rawValue, body: JSONText.encode(["register": ["kind": "control"]]))
                return first + first
            }
        }
    }
}

/// A small, fast, seedable random number generator (SplitMix64).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
