import Crypto
import Foundation

/// The arithmetic of the challenge-response handshake on the cluster key.
///
/// The server opens with a fresh random nonce (HELLO); the client answers with its own nonce and
/// a proof over both (AUTH); the server answers with its proof in the other order (AUTH_OK). A
/// recorded AUTH is worthless on a new connection because the server's nonce differs, and each
/// side has shown the other that it holds the key. The session key for per-frame MACs is derived
/// from both nonces.
public enum Handshake {
    public static let nonceSize = 32

    public static func nonce() -> [UInt8] {
        var rng = SystemRandomNumberGenerator()
        return (0..<nonceSize).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
    }

    private static func mac(_ key: SymmetricKey, _ label: String, _ first: [UInt8], _ second: [UInt8]) -> [UInt8] {
        var hmac = HMAC<SHA256>(key: key)
        hmac.update(data: Array(label.utf8))
        hmac.update(data: first)
        hmac.update(data: second)
        return Array(hmac.finalize())
    }

    /// The client's proof: HMAC(key, "lutf-client-proof" | server nonce | client nonce).
    public static func clientProof(key: SymmetricKey, serverNonce: [UInt8], clientNonce: [UInt8]) -> [UInt8] {
        mac(key, "lutf-client-proof", serverNonce, clientNonce)
    }

    /// The server's proof: HMAC(key, "lutf-server-proof" | client nonce | server nonce).
    public static func serverProof(key: SymmetricKey, serverNonce: [UInt8], clientNonce: [UInt8]) -> [UInt8] {
        mac(key, "lutf-server-proof", clientNonce, serverNonce)
    }

    /// The per-connection key for frame MACs.
    public static func sessionKey(key: SymmetricKey, serverNonce: [UInt8], clientNonce: [UInt8]) -> SymmetricKey {
        SymmetricKey(data: mac(key, "lutf-session-key", serverNonce, clientNonce))
    }

    /// Constant-time comparison of two MACs.
    public static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}
