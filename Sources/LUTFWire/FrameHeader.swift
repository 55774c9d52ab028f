import NIOCore

/// The fixed binary header in front of every frame (big-endian, 12 bytes).
///
/// ```
/// 0      4        5     6       8        12
/// | LUTF | version| type| flags | length |  body (YAML) | MAC (32 bytes, when flags has .mac)
/// ```
/// `length` counts the body only. After authentication every frame carries the MAC:
/// HMAC-SHA256 under the session key over direction, sequence number, header and body.
public struct FrameHeader: Sendable, Equatable {
    public static let size = 12
    public static let magic: UInt32 = 0x4C55_5446  // "LUTF"
    public static let protocolVersion: UInt8 = 1
    public static let macSize = 32

    /// Header flag bits.
    public struct Flags: OptionSet, Sendable {
        public var rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        /// A 32-byte MAC follows the body.
        public static let mac = Flags(rawValue: 1)
        public static let known: Flags = [.mac]
    }

    public var version: UInt8
    public var typeCode: UInt8
    public var flags: Flags
    public var length: UInt32

    public init(version: UInt8, typeCode: UInt8, flags: Flags, length: UInt32) {
        self.version = version
        self.typeCode = typeCode
        self.flags = flags
        self.length = length
    }

    /// Writes the header (with the magic) into `buffer`.
    public func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(Self.magic)
        buffer.writeInteger(version)
        buffer.writeInteger(typeCode)
        buffer.writeInteger(flags.rawValue)
        buffer.writeInteger(length)
    }

    /// The 12 header bytes.
    public var bytes: [UInt8] {
        var buffer = ByteBuffer()
        write(into: &buffer)
        return Array(buffer.readableBytesView)
    }

    /// Reads a header at the reader index of `buffer` without moving it; `nil` if fewer than 12
    /// bytes are there. Throws when the magic is wrong.
    public static func peek(_ buffer: ByteBuffer) throws(FrameError) -> FrameHeader? {
        guard buffer.readableBytes >= size else { return nil }
        let at = buffer.readerIndex
        let magic: UInt32 = buffer.getInteger(at: at)!
        guard magic == Self.magic else { throw FrameError.badMagic(magic) }
        return FrameHeader(
            version: buffer.getInteger(at: at + 4)!,
            typeCode: buffer.getInteger(at: at + 5)!,
            flags: Flags(rawValue: buffer.getInteger(at: at + 6)!),
            length: buffer.getInteger(at: at + 8)!)
    }
}

/// A frame that breaks the wire protocol; the connection is closed after it.
public enum FrameError: Error, CustomStringConvertible, Equatable {
    case badMagic(UInt32)
    case badVersion(UInt8)
    case unknownType(UInt8)
    case unknownFlags(UInt16)
    case tooLarge(UInt32, limit: Int)
    case missingMAC(MessageType)
    case unexpectedMAC(MessageType)
    case badMAC(MessageType)
    case unparsableBody(MessageType, String)
    case unexpected(MessageType, state: String)

    public var description: String {
        switch self {
        case .badMagic(let m):
            let hex = String(m, radix: 16, uppercase: false)
            return "bad magic 0x\(String(repeating: "0", count: max(0, 8 - hex.count)) + hex) (not a LUTF peer?)"
        case .badVersion(let v):
            return "unsupported protocol version \(v) (this side speaks \(FrameHeader.protocolVersion))"
        case .unknownType(let t): return "unknown message type \(t)"
        case .unknownFlags(let f): return "unknown header flags 0x\(String(f, radix: 16))"
        case .tooLarge(let n, let limit): return "frame body of \(n) bytes is over the limit of \(limit) bytes"
        case .missingMAC(let t): return "\(t) frame without a MAC after authentication"
        case .unexpectedMAC(let t): return "\(t) frame with a MAC before authentication"
        case .badMAC(let t): return "\(t) frame failed MAC verification (tampered, replayed or reordered)"
        case .unparsableBody(let t, let reason): return "unparsable YAML body in \(t) frame: \(reason)"
        case .unexpected(let t, let state): return "unexpected \(t) frame \(state)"
        }
    }
}
