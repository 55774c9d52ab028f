import LUTFCore
import LUTFTesting
import LUTFWire
import Logging
import NIOCore
import NIOPosix
import Testing

/// Bodies large enough to be decoded off the event loop, over real TCP on 127.0.0.1: they arrive
/// whole and in order with the small frames around them, and one over the limit fails alone.
@Suite("large frames over TCP", .timeLimit(.minutes(1)))
struct LargeFrameTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A server that sends back every message it receives, and a client connected to it.
    func withEchoPair(_ body: (WireChannel) async throws -> Void) async throws {
        let key = ClusterKey.generate()
        let listener = try await WireServer.bind(
            HostPort(host: "127.0.0.1", port: 0), key: key, logger: Self.logger)
        let port = listener.channel.localAddress!.port!
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                try await listener.executeThenClose { inbound in
                    for try await connection in inbound {
                        try await connection.authenticated.get()
                        try await connection.channel.executeThenClose { messages, outbound in
                            for try await message in messages { try await outbound.write(message) }
                        }
                    }
                }
            }
            let client = try await WireClient.connect(
                to: HostPort(host: "127.0.0.1", port: port), key: key, logger: Self.logger)
            try await body(client)
            listener.channel.close(promise: nil)
        }
    }

    @Test("large and small messages come back whole and in the order sent")
    func order() async throws {
        try await withEchoPair { client in
            let sent: [Message] = (0..<12).map { i in
                let size = i % 3 == 0 ? (1 << 20) + i : i % 3 == 1 ? 300 << 10 : 10
                return Message(.event, ["i": .int(i), "data": .string(String(repeating: "z", count: size))])
            }
            try await client.executeThenClose { inbound, outbound in
                // Written while reading: the echo cannot get ahead of a reader that does not read.
                async let written: Void = { for message in sent { try await outbound.write(message) } }()
                var received: [Message] = []
                for try await message in inbound {
                    received.append(message)
                    if received.count == sent.count { break }
                }
                try await written
                #expect(received.map { $0.body["i"] } == sent.map { $0.body["i"] })
                #expect(received == sent)
            }
        }
    }

    @Test("a message over the frame limit fails its write alone; the connection carries on")
    func overLimit() async throws {
        try await withEchoPair { client in
            try await client.executeThenClose { inbound, outbound in
                let huge = Message(.event, ["data": .string(String(repeating: "z", count: 17 << 20))])
                await #expect {
                    try await client.channel.writeAndFlush(try huge.encoded(limit: LUTFDefaults.maxFrameBytes))
                } throws: { error in
                    (error as? LUTFError)?.message.contains("over the 16777216-byte frame limit") == true
                }
                // Not pre-encoded: the handler finds the size itself.
                await #expect(throws: LUTFError.self) { try await client.channel.writeAndFlush(huge) }
                try await outbound.write(Message(.event, ["after": true]))
                var iterator = inbound.makeAsyncIterator()
                #expect(try await iterator.next()?.body["after"] == true)
            }
        }
    }
}
