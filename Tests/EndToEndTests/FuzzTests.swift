import LUTFCore
import LUTFTesting
import LUTFWire
import Testing

@Suite("fuzzing the master's port", .serialized, .timeLimit(.minutes(5)))
struct FuzzTests {
    @Test("1,000 seeded random and malformed frames never crash the master or list an agent")
    func fuzz() async throws {
        try await withTestCluster { cluster in
            let master = try await cluster.startMasterProcess()
            try await cluster.startAgent("mds1")
            let address = try await cluster.masterAddress
            var fuzzer = FrameFuzzer(seed: 0x4C55_5446)
            let cases = (0..<1000).map { _ in fuzzer.next() }
            var closedByMaster = 0
            // 25 connections at a time: each case waits briefly to see whether the master hangs up.
            for batch in stride(from: 0, to: cases.count, by: 25) {
                closedByMaster += try await withThrowingTaskGroup(of: Int.self) { group in
                    for fuzzCase in cases[batch..<min(batch + 25, cases.count)] {
                        group.addTask {
                            try await RawConnection.with(address) { connection in
                                switch fuzzCase {
                                case .preAuth(_, let bytes):
                                    _ = try await connection.nextFrame(within: 20)  // HELLO (loaded CI)
                                    await connection.send(bytes)
                                case .postAuth(_, let make):
                                    let handshake = try await RawHandshake.perform(on: connection, key: cluster.key)
                                    var sealer = handshake.sealer
                                    await connection.send(make(&sealer))
                                }
                                return await connection.waitForClose(within: 0.5) ? 1 : 0
                            }
                        }
                    }
                    return try await group.reduce(0, +)
                }
                #expect(master.exitStatus == nil, "master died during cases \(batch)..<\(batch + 25)")
            }
            // Nearly every case is a protocol error the master answers by closing; the few that
            // are legal (a control client saying nothing more) are left open until we hang up.
            #expect(closedByMaster > 900, "the master closed only \(closedByMaster) of 1000 bad connections")
            let states = try await cluster.agentStates()
            #expect(states == ["mds1": "alive"], "agents listed after fuzzing: \(states)")
        }
    }

    @Test(
        "100 clients that never finish the handshake (silent, or one byte at a time) are cut off; a real agent is served throughout"
    )
    func slowClients() async throws {
        try await withTestCluster { cluster in
            try await cluster.withInProcessMaster(configure: { $0.wire.handshakeTimeout = .seconds(2) }) { master in
                try await cluster.startAgent("oss1")
                let address = try await cluster.masterAddress
                let payload: Value = ["seq": 1, "data": "while the port is under siege"]
                try await withThrowingTaskGroup(of: Bool.self) { group in
                    for i in 0..<100 {
                        group.addTask {
                            try await RawConnection.with(address) { connection in
                                if i % 2 == 1 {
                                    // An AUTH frame's header, a byte every 100 ms: never whole.
                                    let header = FrameHeader(
                                        version: 1, typeCode: MessageType.auth.rawValue, flags: [], length: 64
                                    ).bytes
                                    for byte in header {
                                        await connection.send([byte])
                                        if await connection.waitForClose(within: 0.1) { return true }
                                    }
                                }
                                return await connection.waitForClose(within: 20)
                            }
                        }
                    }
                    // Served while all of them hang on.
                    for _ in 0..<50 {
                        #expect(try await master.callFunction("oss1", "echo", payload, timeout: 5) == payload)
                    }
                    var cut = 0
                    for try await closed in group where closed { cut += 1 }
                    #expect(cut == 100, "the master left \(100 - cut) of 100 stalled handshakes open")
                }
                #expect(try await master.callFunction("oss1", "echo", payload, timeout: 5) == payload)
                #expect(try await cluster.agentStates() == ["oss1": "alive"])
            }
        }
    }
}
