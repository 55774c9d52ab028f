import Crypto
import NIOCore

/// One frame off the wire, checked: a known version, type and flags, a body within the limit,
/// and (after the handshake) a MAC that verified, or for a large frame a MAC check to run.
public struct Frame: Sendable, Equatable {
    public var type: MessageType
    public var body: ByteBuffer
    /// For a large frame, the MAC check left to whoever takes the frame off the event loop; the
    /// frame must not be used before ``MACCheck/verify()`` passes.
    public var pendingCheck: MACCheck?

    public init(type: MessageType, body: ByteBuffer, pendingCheck: MACCheck? = nil) {
        self.type = type
        self.body = body
        self.pendingCheck = pendingCheck
    }
}

/// A received frame's MAC, to be checked later (off the event loop) against its sequence number.
public struct MACCheck: Sendable, Equatable {
    let key: SymmetricKey
    let direction: UInt8
    public let sequence: UInt64
    let framed: ByteBuffer
    let mac: [UInt8]
    let type: MessageType

    /// Throws ``FrameError/badMAC(_:)`` when the frame is not the one the peer sealed.
    public func verify() throws(FrameError) {
        guard Handshake.equal(mac, FrameSealer.mac(key: key, direction: direction, sequence: sequence, framed)) else {
            throw .badMAC(type)
        }
    }

    public static func == (a: MACCheck, b: MACCheck) -> Bool {
        a.sequence == b.sequence && a.mac == b.mac && a.direction == b.direction
    }
}

/// Cuts one direction of a connection into ``Frame``s, checking each header as soon as its 12
/// bytes are in and each MAC once the frame is whole.
///
/// Before ``establish(sessionKey:)`` frames must carry no MAC and stay under the pre-handshake
/// limit, so a peer that has proved nothing cannot make us buffer much; afterwards every frame
/// must carry a MAC over its sequence number. A value type with no channel, so it is tested on
/// every split of its input (``ByteToMessageHandler`` runs it in a pipeline).
public struct FrameDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = Frame

    private var receiver: FrameSealer
    private let maxFrameBytes: Int
    private let preAuthMaxFrameBytes: Int
    public private(set) var established = false
    /// Frames with bodies at least this large come out with their MAC check pending (see
    /// ``Frame/pendingCheck``), for the caller to run off the event loop.
    public var deferredCheckBytes = Int.max

    /// A decoder for the frames a `side` receives (those the other side sealed).
    public init(receivingAs side: WireHandler.Side, settings: WireSettings) {
        receiver = FrameSealer(direction: side == .server ? FrameSealer.clientDirection : FrameSealer.serverDirection)
        maxFrameBytes = settings.maxFrameBytes
        preAuthMaxFrameBytes = settings.preAuthMaxFrameBytes
    }

    /// From here on frames carry MACs under `sessionKey` and may be as large as `maxFrameBytes`.
    public mutating func establish(sessionKey: SymmetricKey) {
        receiver.sessionKey = sessionKey
        established = true
    }

    /// The largest body accepted now.
    public var limit: Int { established ? maxFrameBytes : preAuthMaxFrameBytes }

    /// The next whole frame at the front of `buffer` (consumed), or `nil` when more bytes are
    /// needed (nothing consumed).
    public mutating func decode(buffer: inout ByteBuffer) throws(FrameError) -> Frame? {
        guard let header = try FrameHeader.peek(buffer) else { return nil }
        guard header.version == FrameHeader.protocolVersion else { throw .badVersion(header.version) }
        guard let type = MessageType(rawValue: header.typeCode) else { throw .unknownType(header.typeCode) }
        guard header.flags.subtracting(.known).isEmpty else { throw .unknownFlags(header.flags.rawValue) }
        guard header.length <= limit else { throw .tooLarge(header.length, limit: limit) }
        let hasMAC = header.flags.contains(.mac)
        if established && !hasMAC { throw .missingMAC(type) }
        if !established && hasMAC { throw .unexpectedMAC(type) }
        let length = FrameHeader.size + Int(header.length)
        guard buffer.readableBytes >= length + (hasMAC ? FrameHeader.macSize : 0) else { return nil }
        let framed = buffer.getSlice(at: buffer.readerIndex, length: length)!
        var pendingCheck: MACCheck?
        if hasMAC {
            // A MAC is only accepted once established, and establishing sets the key.
            guard let key = receiver.sessionKey else { throw .badMAC(type) }
            let check = MACCheck(
                key: key, direction: receiver.direction, sequence: receiver.receiveNext(), framed: framed,
                mac: buffer.getBytes(at: buffer.readerIndex + length, length: FrameHeader.macSize)!, type: type)
            if Int(header.length) >= deferredCheckBytes {
                pendingCheck = check
            } else {
                try check.verify()
            }
        }
        buffer.moveReaderIndex(forwardBy: length + (hasMAC ? FrameHeader.macSize : 0))
        return Frame(
            type: type, body: framed.getSlice(at: framed.readerIndex + FrameHeader.size, length: Int(header.length))!,
            pendingCheck: pendingCheck)
    }

    /// At end of stream: whatever whole frames are left; a partial one is simply dropped with the
    /// connection.
    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws(FrameError) -> Frame? {
        try decode(buffer: &buffer)
    }
}
