import LUTFCore
import LUTFTesting
import LUTFWire
import Testing

@Suite("fuzzing the master's port", .serialized)
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
}
