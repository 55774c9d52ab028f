import LUTFCore
import NIOCore
import NIOPosix

/// A learning Ethernet switch for the guests' virtual networks, in this process.
///
/// Each guest NIC is a QEMU `stream` netdev connected to a Unix socket of its own, one per
/// (network, node), so the switch knows which port is whose without trusting the frames. Frames
/// travel as QEMU sends them: a 4-byte big-endian length, then the frame. Unicast frames go to
/// the port the destination MAC was last seen on; broadcast, multicast and unknown destinations
/// are flooded to the other ports of the same network. A port whose link is down (``setLink``)
/// neither sends nor receives, which a guest sees as a pulled cable (its carrier stays up).
///
/// Everything runs on one event loop, so the forwarding table needs no locks.
public final class EthernetSwitch: Sendable {
    public struct Port: Hashable, Sendable, CustomStringConvertible {
        public var network: Int
        public var node: Int
        public var description: String { "network \(network) node \(node)" }
    }

    /// Frames and bytes a port has sent into the switch and been given by it.
    public struct Counters: Sendable, Equatable {
        public var receivedFrames = 0
        public var receivedBytes = 0
        public var sentFrames = 0
        public var sentBytes = 0
        public var dropped = 0
    }

    private let group: MultiThreadedEventLoopGroup
    private let loop: any EventLoop
    private let table: NIOLoopBoundBox<Table>
    private let sockets: [Port: String]

    /// A switch for `sockets`: the Unix socket path of every port.
    public init(sockets: [Port: String]) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        loop = group.next()
        table = NIOLoopBoundBox.makeBoxSendingValue(Table(), eventLoop: loop)
        self.sockets = sockets
    }

    /// Listens on every port's socket (replacing stale socket files).
    public func start() async throws {
        for (port, path) in sockets {
            let table = self.table
            let loop = self.loop
            _ = try await ServerBootstrap(group: loop)
                .serverChannelOption(.backlog, value: 4)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder()))
                        try channel.pipeline.syncOperations.addHandler(PortHandler(port: port, table: table))
                    }
                }
                .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
        }
    }

    /// Takes a port's link down or brings it up.
    public func setLink(_ port: Port, up: Bool) async {
        let table = self.table
        try? await loop.submit { table.value.setLink(port, up: up) }.get()
    }

    /// Whether a guest is connected on every port.
    public func connectedPorts() async -> Set<Port> {
        let table = self.table
        return (try? await loop.submit { Set(table.value.channels.keys) }.get()) ?? []
    }

    public func counters() async -> [Port: Counters] {
        let table = self.table
        return (try? await loop.submit { table.value.counters }.get()) ?? [:]
    }

    /// Closes every port and stops the event loop.
    public func stop() async {
        try? await group.shutdownGracefully()
    }

    /// The forwarding state, owned by the switch's event loop.
    final class Table {
        var channels: [Port: any Channel] = [:]
        var macs: [Int: [UInt64: Port]] = [:]
        var down: Set<Port> = []
        var counters: [Port: Counters] = [:]

        func setLink(_ port: Port, up: Bool) {
            if up { down.remove(port) } else { down.insert(port) }
        }

        func forward(_ frame: ByteBuffer, from port: Port) {
            counters[port, default: Counters()].receivedFrames += 1
            counters[port, default: Counters()].receivedBytes += frame.readableBytes
            guard !down.contains(port), frame.readableBytes >= 14,
                let destination = frame.getInteger(at: frame.readerIndex, as: UInt64.self).map({ $0 >> 16 }),
                let source = frame.getInteger(at: frame.readerIndex + 6, as: UInt64.self).map({ $0 >> 16 })
            else {
                counters[port, default: Counters()].dropped += 1
                return
            }
            macs[port.network, default: [:]][source] = port
            let multicast = destination & 0x0100_0000_0000 != 0
            if !multicast, let target = macs[port.network]?[destination], target != port {
                send(frame, to: target)
            } else {
                for target in channels.keys where target.network == port.network && target != port {
                    send(frame, to: target)
                }
            }
        }

        private func send(_ frame: ByteBuffer, to port: Port) {
            guard !down.contains(port), let channel = channels[port] else { return }
            var out = channel.allocator.buffer(capacity: frame.readableBytes + 4)
            out.writeInteger(UInt32(frame.readableBytes))
            out.writeImmutableBuffer(frame)
            counters[port, default: Counters()].sentFrames += 1
            counters[port, default: Counters()].sentBytes += frame.readableBytes
            channel.writeAndFlush(out, promise: nil)
        }
    }

    /// One guest NIC's connection.
    final class PortHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let port: Port
        let table: NIOLoopBoundBox<Table>

        init(port: Port, table: NIOLoopBoundBox<Table>) {
            self.port = port
            self.table = table
        }

        func channelActive(context: ChannelHandlerContext) {
            table.value.channels[port]?.close(promise: nil)
            table.value.channels[port] = context.channel
        }

        func channelInactive(context: ChannelHandlerContext) {
            if table.value.channels[port] === context.channel { table.value.channels[port] = nil }
            table.value.macs[port.network] = table.value.macs[port.network]?.filter { $0.value != port }
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            table.value.forward(unwrapInboundIn(data), from: port)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }

    /// QEMU's stream framing: a 4-byte big-endian length, then that many bytes of frame.
    struct FrameDecoder: ByteToMessageDecoder {
        typealias InboundOut = ByteBuffer
        /// Larger than any frame QEMU sends (its limit is 69632 bytes).
        static let limit = 1 << 20

        mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
            guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return .needMoreData }
            guard length <= Self.limit else { throw LUTFError(.protocolViolation, "a \(length)-byte frame") }
            guard buffer.readableBytes >= 4 + Int(length) else { return .needMoreData }
            buffer.moveReaderIndex(forwardBy: 4)
            context.fireChannelRead(NIOAny(buffer.readSlice(length: Int(length))!))
            return .continue
        }
    }
}
