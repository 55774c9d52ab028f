import LUTFCore
import LUTFMaster
import LUTFWire
import NIOCore
import NIOEmbedded
import Synchronization
import Testing

/// The master's book of agents, with links on testing channels and heartbeat time on a test clock.
@Suite("agent registry", .timeLimit(.minutes(1)))
struct AgentRegistryTests {

    let clock = TestClock()
    let monitor: HeartbeatMonitor

    init() {
        monitor = HeartbeatMonitor(maxStep: .seconds(1), clock: clock.read)
    }

    func link(_ name: String, instance: String = "i-1", pid: Int = 100) -> AgentLink {
        let identity = AgentIdentity(
            name: name, role: "OSS", hostname: "node-\(name)", pid: pid, instance: instance, software: "test",
            interfaces: [], address: "127.0.0.1:\(pid)")
        return AgentLink(
            identity: identity, channel: NIOAsyncTestingChannel(), masterName: "master",
            maxFrameBytes: LUTFDefaults.maxFrameBytes, monitor: monitor,
            lastRead: InboundActivity(stamp: monitor.stamp))
    }

    /// Moves master time on by `seconds`, ticking as the master's monitor does.
    func pass(_ seconds: Double) {
        for _ in 0..<Int(seconds / 0.25) {
            clock.advance(seconds: 0.25)
            monitor.tick()
        }
    }

    @Test("registered agents are found by name; an unknown name lists those that exist")
    func lookup() async throws {
        let registry = AgentRegistry()
        let oss = link("oss1")
        try await registry.register(oss)
        #expect(try await registry.link(named: "oss1") === oss)
        #expect(await registry.isAlive("oss1"))
        #expect(await registry.notAlive(["oss1", "mds1"]) == ["mds1"])
        await #expect {
            _ = try await registry.link(named: "mds1")
        } throws: { error in
            let error = error as? LUTFError
            return error?.code == .notFound && error?.message.contains("known: oss1") == true
        }
    }

    @Test(
        "a second live agent with the same name is refused, naming the first; the same process reconnecting replaces it"
    )
    func sameName() async throws {
        let registry = AgentRegistry()
        let first = link("oss1", instance: "a", pid: 100)
        try await registry.register(first)
        await #expect {
            try await registry.register(link("oss1", instance: "b", pid: 200))
        } throws: { error in
            let error = error as? LUTFError
            return error?.code == .refused && error?.message.contains("pid 100") == true
        }
        #expect(try await registry.link(named: "oss1") === first)
        let again = link("oss1", instance: "a", pid: 100)
        try await registry.register(again)
        #expect(try await registry.link(named: "oss1") === again)
        // The old connection ending now does not kill the new one.
        await registry.disconnected(first, reason: "connection closed")
        #expect(await registry.isAlive("oss1"))
    }

    @Test("a closed connection makes the agent dead with its reason, listed until it registers again")
    func death() async throws {
        let registry = AgentRegistry()
        let oss = link("oss1")
        try await registry.register(oss)
        await registry.disconnected(oss, reason: "connection closed")
        await #expect {
            _ = try await registry.link(named: "oss1")
        } throws: { error in
            let error = error as? LUTFError
            return error?.code == .agentDead && error?.message.contains("connection closed") == true
        }
        #expect(await registry.deadReasons() == ["oss1": "connection closed"])
        #expect(await registry.snapshot().map(\.deadReason) == ["connection closed"])
        try await registry.register(link("oss1", instance: "new"))
        #expect(await registry.isAlive("oss1"))
        #expect(await registry.deadReasons().isEmpty)
    }

    @Test("the reaper takes agents silent for longer than the limit in master time, and only those")
    func reaping() async throws {
        let registry = AgentRegistry()
        let (quiet, talking) = (link("oss1"), link("client1"))
        try await registry.register(quiet)
        try await registry.register(talking)
        for _ in 0..<4 {
            pass(1)
            talking.lastRead.note()
        }
        let reaped = await registry.reap(silentLongerThan: 3)
        #expect(reaped.map(\.name) == ["oss1"])
        #expect(await registry.deadReasons()["oss1"]?.hasPrefix("no heartbeat for 4") == true)
        #expect(await registry.isAlive("client1"))
        // A master that did not run for a minute does not count it against anyone.
        clock.advance(seconds: 60)
        monitor.tick()
        talking.lastRead.note()
        #expect(await registry.reap(silentLongerThan: 3).isEmpty)
    }

    @Test("watchers hear joins and deaths in order")
    func events() async throws {
        let registry = AgentRegistry()
        let stream = await registry.events()
        let oss = link("oss1")
        try await registry.register(oss)
        await registry.disconnected(oss, reason: "agent stopped")
        var iterator = stream.makeAsyncIterator()
        #expect(await iterator.next() == .joined("oss1"))
        #expect(await iterator.next() == .died("oss1", reason: "agent stopped"))
    }
}
