import LUTFCore
import LUTFMaster
import LUTFTesting
import LUTFWire
import NIOCore
import NIOPosix
import Testing

@Suite("authentication and framing", .timeLimit(.minutes(1)))
struct HandshakeTests {
    func expectServing(_ cluster: TestCluster) async throws {
        let status = try await cluster.query()["status"]
        #expect(status == "Success", "the master stopped serving")
    }

    @Test("a client with the cluster key is served")
    func rightKey() async throws {
        try await withTestCluster { cluster in
            try await cluster.withInProcessMaster { _ in
                try await expectServing(cluster)
            }
        }
    }

    @Test("a client with another key is refused with a reason, and the master serves on")
    func wrongKey() async throws {
        try await withTestCluster { cluster in
            try await cluster.withInProcessMaster { _ in
                let other = ClusterKey.generate()
                let client = ControlClient(
                    master: try await cluster.masterAddress, key: other, logger: TestCluster.quietLogger)
                await #expect {
                    _ = try await client.request(["op": "query"])
                } throws: { error in
                    guard let error = error as? LUTFError else { return false }
                    return error.code == .auth && error.message.contains("authentication failed")
                }
                try await expectServing(cluster)
            }
        }
    }

    @Test("a replayed AUTH frame is refused on a new connection")
    func replayedHandshake() async throws {
        try await withTestCluster { cluster in
            try await cluster.withInProcessMaster { _ in
                let address = try await cluster.masterAddress
                let recorded = try await RawConnection.with(address) { connection in
                    try await RawHandshake.perform(on: connection, key: cluster.key).authFrame
                }
                try await RawConnection.with(address) { connection in
                    let hello = try await connection.nextFrame(within: 5)
                    #expect(hello.header.typeCode == MessageType.hello.rawValue)
                    await connection.send(recorded)
                    let reply = try await connection.nextFrame(within: 5)
                    #expect(reply.header.typeCode == MessageType.error.rawValue)
                    #expect(reply.body["error"]?["message"]?.stringValue?.contains("authentication failed") == true)
                    #expect(await connection.waitForClose(within: 5))
                }
                try await expectServing(cluster)
            }
        }
    }

    @Test("a master that cannot prove the key is refused by the client")
    func rogueServer() async throws {
        // A server that speaks the handshake but does not hold the key: it answers AUTH with a
        // made-up proof.
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let port = server.channel.localAddress!.port!
        await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await server.executeThenClose { inbound in
                    for try await connection in inbound {
                        try await connection.executeThenClose { input, output in
                            var sealer = FrameSealer(direction: FrameSealer.serverDirection)
                            let hello =
                                ["hello": ["protocol": 1, "nonce": .string(Hex.encode(Handshake.nonce()))]] as Value
                            try await output.write(
                                ByteBuffer(
                                    bytes: sealer.seal(
                                        typeCode: MessageType.hello.rawValue, body: JSONText.encode(hello))))
                            for try await _ in input {
                                let ok = ["auth_ok": ["proof": .string(Hex.encode(Handshake.nonce()))]] as Value
                                try await output.write(
                                    ByteBuffer(
                                        bytes: sealer.seal(
                                            typeCode: MessageType.authOK.rawValue, body: JSONText.encode(ok))))
                            }
                        }
                        return
                    }
                }
            }
            await #expect {
                _ = try await WireClient.connect(
                    to: HostPort(host: "127.0.0.1", port: port), key: ClusterKey.generate(),
                    logger: TestCluster.quietLogger)
            } throws: { error in
                guard let error = error as? LUTFError else { return false }
                return error.code == .auth && error.message.contains("failed to prove it holds the cluster key")
            }
            group.cancelAll()
        }
    }

    enum BrokenFrame: String, CaseIterable, Sendable {
        case oversized, badMAC, badMACOnLargeFrame, garbageYAML, garbageLargeYAML, unknownType, badMagic, badVersion
    }

    @Test("a broken frame after authentication gets an ERROR frame and a close", arguments: BrokenFrame.allCases)
    func brokenFrames(_ kind: BrokenFrame) async throws {
        try await withTestCluster { cluster in
            try await cluster.withInProcessMaster(configure: { $0.wire.maxFrameBytes = 1 << 20 }) { _ in
                try await RawConnection.with(try await cluster.masterAddress) { connection in
                    let handshake = try await RawHandshake.perform(on: connection, key: cluster.key)
                    var sealer = handshake.sealer
                    let expected: String
                    switch kind {
                    case .oversized:
                        await connection.send(
                            FrameHeader(
                                version: 1, typeCode: MessageType.register.rawValue, flags: .mac, length: 2 << 20
                            ).bytes)
                        expected = "over the limit of 1048576 bytes"
                    case .badMAC:
                        var frame = sealer.seal(
                            typeCode: MessageType.register.rawValue,
                            body: JSONText.encode(["register": ["kind": "control"]]))
                        frame[frame.count - 1] ^= 1
                        await connection.send(frame)
                        expected = "failed MAC verification"
                    case .badMACOnLargeFrame:
                        // Large enough to be checked off the event loop: refused all the same.
                        let padding = Value.string(String(repeating: "p", count: 600 << 10))
                        var frame = sealer.seal(
                            typeCode: MessageType.register.rawValue,
                            body: JSONText.encode(["register": ["kind": "control", "padding": padding]]))
                        frame[FrameHeader.size + 100] ^= 1
                        await connection.send(frame)
                        expected = "failed MAC verification"
                    case .garbageLargeYAML:
                        await connection.send(
                            sealer.seal(
                                typeCode: MessageType.register.rawValue,
                                body: Array(("{a: [1, \u{1}" + String(repeating: " ", count: 600 << 10)).utf8)))
                        expected = "unparsable YAML body in REGISTER frame"
                    case .garbageYAML:
                        await connection.send(
                            sealer.seal(typeCode: MessageType.register.rawValue, body: Array("{a: [1, \u{1}".utf8)))
                        expected = "unparsable YAML body in REGISTER frame"
                    case .unknownType:
                        await connection.send(sealer.seal(typeCode: 99, body: Array("{}".utf8)))
                        expected = "unknown message type 99"
                    case .badMagic:
                        await connection.send(Array("GET / HTTP/1.1\r\n\r\n".utf8))
                        expected = "bad magic 0x47455420"
                    case .badVersion:
                        await connection.send(
                            FrameHeader(version: 9, typeCode: MessageType.register.rawValue, flags: .mac, length: 0)
                                .bytes)
                        expected = "unsupported protocol version 9"
                    }
                    // The ERROR frame is sealed: skip to it and read its message.
                    var message = ""
                    for _ in 0..<3 {
                        let frame = try await connection.nextFrame(within: 5)
                        if frame.header.typeCode == MessageType.error.rawValue {
                            message = frame.body["error"]?["message"]?.stringValue ?? ""
                            break
                        }
                    }
                    #expect(message.contains(expected), "got: \(message)")
                    #expect(await connection.waitForClose(within: 5))
                }
                try await expectServing(cluster)
            }
        }
    }

    @Test("an oversized frame before authentication is refused without waiting for its body")
    func oversizedBeforeAuth() async throws {
        try await withTestCluster { cluster in
            try await cluster.withInProcessMaster { _ in
                try await RawConnection.with(try await cluster.masterAddress) { connection in
                    _ = try await connection.nextFrame(within: 5)
                    await connection.send(
                        FrameHeader(version: 1, typeCode: MessageType.auth.rawValue, flags: [], length: 1 << 30).bytes)
                    let reply = try await connection.nextFrame(within: 5)
                    #expect(
                        reply.body["error"]?["message"]?.stringValue?.contains("over the limit of 65536 bytes") == true)
                    #expect(await connection.waitForClose(within: 5))
                }
            }
        }
    }
}
