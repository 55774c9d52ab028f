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
        reserve().seal(typeCode: typeCode, body: body, into: &buffer)
    }

    /// The sealing of the next frame, to be done now or elsewhere (off the event loop); frames
    /// must reach the wire in the order of their reservations.
    public mutating func reserve() -> Reservation {
        defer { if sessionKey != nil { sequence &+= 1 } }
        return Reservation(key: sessionKey, direction: direction, sequence: sequence)
    }

    /// One frame's place in the sequence, with what it takes to seal it.
    public struct Reservation: Sendable {
        let key: SymmetricKey?
        let direction: UInt8
        let sequence: UInt64

        public func seal(typeCode: UInt8, body: [UInt8], into buffer: inout ByteBuffer) {
            let header = FrameHeader(
                version: FrameHeader.protocolVersion, typeCode: typeCode, flags: key == nil ? [] : .mac,
                length: UInt32(body.count))
            let start = buffer.writerIndex
            header.write(into: &buffer)
            buffer.writeBytes(body)
            if let key {
                let framed = buffer.getSlice(at: start, length: FrameHeader.size + body.count)!
                buffer.writeBytes(FrameSealer.mac(key: key, direction: direction, sequence: sequence, framed))
            }
        }
    }

    /// A frame as bytes (see ``seal(typeCode:body:into:)``).
    public mutating func seal(typeCode: UInt8, body: [UInt8]) -> [UInt8] {
        var buffer = ByteBuffer()
        seal(typeCode: typeCode, body: body, into: &buffer)
        return Array(buffer.readableBytesView)
    }

    /// The sequence number of the next frame received, counted now (its MAC is checked by a
    /// ``MACCheck``, at once or off the event loop).
    mutating func receiveNext() -> UInt64 {
        defer { sequence &+= 1 }
        return sequence
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
