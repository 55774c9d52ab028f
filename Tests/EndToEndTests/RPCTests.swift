import LUTFCore
import LUTFMaster
import LUTFTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Calls from an in-process master to agent processes.
@Suite("RPC from master to agents", .serialized, .timeLimit(.minutes(5)))
struct RPCTests {
    @Test("echo returns nested data unchanged; info and interfaces describe the node")
    func builtins() async throws {
        try await withTestCluster { cluster in
            try await cluster.withInProcessMaster { master in
                try await cluster.startAgent("mds1")
                let payload: Value = ["list": [1, 2.5, "three", nil, true], "map": ["nested": ["deep": "é"]]]
                #expect(try await master.callFunction("mds1", "echo", payload, timeout: 5) == payload)
                let info = try await master.callFunction("mds1", "info", timeout: 5)
                #expect(info["name"] == "mds1")
                #expect(info["role"] == "MDS")
                let interfaces = try await master.callFunction("mds1", "interfaces", timeout: 5).listValue ?? []
                #expect(interfaces.contains { $0["name"] == "lo" })
            }
        }
    }

    @Test("many calls in flight to one agent all get their own answers")
    func concurrentCalls() async throws {
        try await withTestCluster { cluster in
            try await cluster.withInProcessMaster { master in
                try await cluster.startAgent("oss1")
                try await withThrowingTaskGroup(of: Void.self) { group in
                    // A slow call must not hold up the fast ones behind it.
                    group.addTask {
                        let slept = try await master.callFunction("oss1", "sleep", ["seconds": 3], timeout: 10)
                        #expect(slept == .double(3))
                    }
                    for i in 0..<200 {
                        group.addTask {
                            let start = Monotonic.nanoseconds()
                            let echoed = try await master.callFunction("oss1", "echo", ["i": .int(i)], timeout: 10)
                            #expect(echoed == ["i": .int(i)])
                            // Well under the slow call's 3 s, with room for a loaded machine.
                            #expect(Monotonic.secondsSince(start) < 2.5)
                        }
                    }
                    try await group.waitForAll()
                }
            }
        }
    }

    @Test("errors: unknown agent, unknown function, deadline passed")
    func errors() async throws {
        try await withTestCluster { cluster in
            try await cluster.withInProcessMaster { master in
                try await cluster.startAgent("client1")
                await #expect {
                    _ = try await master.callFunction("nobody", "echo", timeout: 5)
                } throws: { error in
                    let e = error as? LUTFError
                    return e?.code == .notFound && e?.message == "no agent named 'nobody' (known: client1)"
                }
                await #expect {
                    _ = try await master.callFunction("client1", "frobnicate", timeout: 5)
                } throws: { error in
                    let e = error as? LUTFError
                    return e?.code == .notFound && e!.message.contains("has no built-in function 'frobnicate'")
                }
                let start = Monotonic.nanoseconds()
                await #expect {
                    _ = try await master.callFunction("client1", "sleep", ["seconds": 30], timeout: 0.5)
                } throws: { error in
                    let e = error as? LUTFError
                    // The master's wait and the agent's own deadline end together: either says so.
                    return e?.code == .timeout
                        && (e!.message.hasPrefix("agent 'client1' did not answer within 0.5 s (last heartbeat")
                            || e!.message == "call on agent 'client1' ran past its deadline of 0.5 s")
                }
                // Gave up at the deadline, nowhere near the call's 30 s.
                #expect(Monotonic.secondsSince(start) < 5)
                // The agent is still fine afterwards.
                #expect(try await master.callFunction("client1", "echo", "ok", timeout: 5) == "ok")
            }
        }
    }

    @Test("a message over the frame limit fails only its call, with the reason; the agent stays")
    func oversized() async throws {
        // Encoding 17 MiB stalls the master's event loop for seconds on a loaded machine, and the
        // agent's heartbeats wait unread meanwhile: a 3 s dead-after would judge that stall (issue
        // 11's liveness work removes the cause); 3 intervals of 4 s cover it.
        try await withTestCluster(heartbeatInterval: 4) { cluster in
            try await cluster.withInProcessMaster { master in
                try await cluster.startAgent("oss1")
                let big = Value.string(String(repeating: "x", count: 17 << 20))
                await #expect {
                    _ = try await master.callFunction("oss1", "echo", ["data": big], timeout: 30)
                } throws: { error in
                    let e = error as? LUTFError
                    return e?.code == .usage && e!.message.contains("over the 16777216-byte frame limit")
                }
                #expect(try await master.callFunction("oss1", "echo", "ok", timeout: 5) == "ok")
                #expect(await master.registry.isAlive("oss1"))
            }
        }
    }

    @Test("an agent killed during a call fails the call at once, naming the agent")
    func deathDuringCall() async throws {
        try await withTestCluster { cluster in
            try await cluster.withInProcessMaster { master in
                let agent = try await cluster.startAgent("oss1")
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        await #expect {
                            _ = try await master.callFunction("oss1", "sleep", ["seconds": 60], timeout: 60)
                        } throws: { error in
                            let e = error as? LUTFError
                            return e?.code == .agentDead && e!.message.hasPrefix("agent 'oss1' died")
                        }
                    }
                    try await TestSupport.waitUntil("the call to be in flight", within: 5) {
                        (try? await master.registry.link(named: "oss1").rpc.inFlight) == 1
                    }
                    let start = Monotonic.nanoseconds()
                    try await agent.signal(SIGKILL)
                    try await group.waitForAll()
                    #expect(
                        Monotonic.secondsSince(start) < 5, "the call waited for its 60 s instead of failing at once")
                }
                await #expect {
                    _ = try await master.callFunction("oss1", "echo", timeout: 5)
                } throws: { error in
                    (error as? LUTFError)?.code == .agentDead
                }
            }
        }
    }
}
