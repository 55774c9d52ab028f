import Foundation
import LUTFCore
import LUTFTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A master process and agent processes of the built binary on 127.0.0.1.
@Suite("master and agents: joining, dying, restarting", .serialized, .timeLimit(.minutes(5)))
struct ClusterLifecycleTests {
    @Test("master and 3 agents connect and `lutf status` lists them with their interfaces")
    func listed() async throws {
        try await withTestCluster { cluster in
            try await cluster.startMasterProcess()
            for name in ["mds1", "oss1", "client1"] { try await cluster.startAgent(name) }
            let address = try await cluster.masterAddress
            let outcome = try await TestSupport.runLUTF([
                "status", "--master", address.description, "--key", cluster.keyPath, "--format", "yaml",
            ])
            #expect(outcome.status == .exited(0), "\(outcome.stderr)")
            let response = try YAMLText.decode(outcome.stdout)["master_response"]
            #expect(response?["status"] == "Success")
            let agents = response?["agents"]?.listValue ?? []
            #expect(Set(agents.compactMap { $0["name"]?.stringValue }) == ["mds1", "oss1", "client1"])
            for agent in agents {
                #expect(agent["state"] == "alive")
                #expect(agent["ip"] == "127.0.0.1")
                #expect(agent["hostname"]?.stringValue == HostInfo.hostname)
                #expect((agent["last_heartbeat"]?.doubleValue ?? 99) < 3)
                let interfaces = agent["interfaces"]?.listValue ?? []
                let lo = interfaces.first { $0["name"] == "lo" }
                #expect(lo?["addresses"]?.listValue?.contains("127.0.0.1") == true, "interfaces: \(interfaces)")
            }
            #expect(agents.first { $0["name"] == "mds1" }?["role"] == "MDS")
            #expect(agents.first { $0["name"] == "client1" }?["role"] == "client")

            let text = try await TestSupport.runLUTF([
                "status", "--master", address.description, "--key", cluster.keyPath,
            ])
            #expect(text.stdout.contains("3 agents, 3 alive"))
            #expect(text.stdout.contains("oss1") && text.stdout.contains("OSS"))
        }
    }

    @Test("kill -9 of an agent is reported dead within 4 s; a restarted agent takes its place")
    func killedAgent() async throws {
        try await withTestCluster { cluster in
            try await cluster.startMasterProcess()
            try await cluster.startAgent("mds1")
            let victim = try await cluster.startAgent("oss1")
            try await victim.signal(SIGKILL)
            try await cluster.waitForAgents(["oss1"], state: "dead", within: 4)
            let states = try await cluster.agentStates()
            #expect(states["mds1"] == "alive")
            try await cluster.startAgent("oss1")
            #expect(try await cluster.agentStates() == ["mds1": "alive", "oss1": "alive"])
        }
    }

    @Test("a frozen agent (SIGSTOP) is dead after 3 silent intervals and rejoins when it resumes")
    func silentAgent() async throws {
        try await withTestCluster(heartbeatInterval: 0.2) { cluster in
            try await cluster.startMasterProcess()
            let agent = try await cluster.startAgent("client1")
            try await agent.signal(SIGSTOP)
            try await cluster.waitForAgents(["client1"], state: "dead", within: 4)
            // The silence the master measured (its last heartbeat may predate SIGSTOP by an interval).
            let reason = try await cluster.query()["agents"]?.listValue?.first?["dead_reason"]?.stringValue ?? ""
            let silence = reason.split(separator: " ").dropLast().last.flatMap { Double($0) } ?? 0
            #expect(reason.hasPrefix("no heartbeat for "), "\(reason)")
            #expect(silence >= 0.6, "declared dead before 3 silent intervals of 0.2 s: \(reason)")
            try await agent.signal(SIGCONT)
            try await cluster.waitForAgents(["client1"], state: "alive", within: 5)
        }
    }

    @Test("after a master restart the agents are back within 5 s")
    func masterRestart() async throws {
        try await withTestCluster { cluster in
            let master = try await cluster.startMasterProcess()
            let port = try await cluster.masterAddress.port
            for name in ["mds1", "oss1", "client1"] { try await cluster.startAgent(name) }
            #expect(try await master.stop() == .exited(0), "master did not shut down cleanly on SIGTERM")
            let start = Monotonic.nanoseconds()
            try await cluster.startMasterProcess(port: port)
            try await cluster.waitForAgents(["mds1", "oss1", "client1"], state: "alive", within: 5)
            #expect(Monotonic.secondsSince(start) < 5)
        }
    }

    @Test("an agent with the wrong key is refused, exits 1 and is never listed")
    func wrongKey() async throws {
        try await withTestCluster { cluster in
            try await cluster.startMasterProcess()
            let otherKey = cluster.directory + "/other.key"
            _ = try await TestSupport.runLUTF(["keygen", otherKey])
            let address = try await cluster.masterAddress
            let outcome = try await TestSupport.runLUTF([
                "agent", "--master", address.description, "--name", "intruder", "--key", otherKey,
            ])
            #expect(outcome.status == .exited(1))
            #expect(outcome.stderr.contains("authentication failed"), "\(outcome.stderr)")
            #expect(try await cluster.agentStates().isEmpty)
        }
    }

    @Test("a second live agent with a name in use is refused with a clear error")
    func duplicateName() async throws {
        try await withTestCluster { cluster in
            try await cluster.startMasterProcess()
            try await cluster.startAgent("mds1")
            let address = try await cluster.masterAddress
            let outcome = try await TestSupport.runLUTF([
                "agent", "--master", address.description, "--name", "mds1", "--key", cluster.keyPath,
            ])
            #expect(outcome.status == .exited(1))
            #expect(outcome.stderr.contains("agent name 'mds1' is already in use by a live agent"), "\(outcome.stderr)")
            #expect(try await cluster.agentStates() == ["mds1": "alive"])
        }
    }
}
