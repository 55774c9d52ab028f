import Crypto
import Foundation
import NIOCore

/// Turns messages into frame bytes for one direction of a connection, and checks the MACs of
/// frames coming the other way.
///
/// Before authentication frames carry no MAC; afterwards each carries HMAC-SHA256 under the
/// session key over the direction byte, a per-direction sequence number, the header and the body,
/// so a frame cannot be altered, replayed, reordered or reflected back.
public struct FrameSealer {
    /// The direction byte of frames sent by a client (`C`) or a server (`S`).
    public static let clientDirection = UInt8(ascii: "C")
    public static let serverDirection = UInt8(ascii: "S")

    public var sessionKey: SymmetricKey?
    public let direction: UInt8
    public private(set) var sequence: UInt64 = 0

    public init(direction: UInt8) {
        self.direction = direction
    }

    /// Appends a frame of `type` with `body` to `buffer`, with a MAC once a session key is set.
    public mutating func seal(typeCode: UInt8, body: [UInt8], into buffer: inout ByteBuffer) {
        let header = FrameHeader(
            version: FrameHeader.protocolVersion, typeCode: typeCode, flags: sessionKey == nil ? [] : .mac,
            length: UInt32(body.count))
        let start = buffer.writerIndex
        header.write(into: &buffer)
        buffer.writeBytes(body)
        if let key = sessionKey {
            let framed = buffer.getSlice(at: start, length: FrameHeader.size + body.count)!
            buffer.writeBytes(Self.mac(key: key, direction: direction, sequence: sequence, framed))
            sequence &+= 1
        }
    }

    /// A frame as bytes (see ``seal(typeCode:body:into:)``).
    public mutating func seal(typeCode: UInt8, body: [UInt8]) -> [UInt8] {
        var buffer = ByteBuffer()
        seal(typeCode: typeCode, body: body, into: &buffer)
        return Array(buffer.readableBytesView)
    }

    /// Checks the MAC of a received frame (header and body in `framed`) and advances the
    /// sequence number when it is right.
    public mutating func verify(_ framed: ByteBuffer, mac received: [UInt8]) -> Bool {
        guard let key = sessionKey else { return false }
        guard Handshake.equal(received, Self.mac(key: key, direction: direction, sequence: sequence, framed)) else {
            return false
        }
        sequence &+= 1
        return true
    }

    static func mac(key: SymmetricKey, direction: UInt8, sequence: UInt64, _ framed: ByteBuffer) -> [UInt8] {
        var hmac = HMAC<SHA256>(key: key)
        var prefix = [UInt8](repeating: 0, count: 9)
        prefix[0] = direction
        for i in 0..<8 { prefix[1 + i] = UInt8(truncatingIfNeeded: sequence >> (56 - 8 * i)) }
        hmac.update(data: prefix)
        framed.withUnsafeReadableBytes { hmac.update(data: $0) }
        return Array(hmac.finalize())
    }
}
