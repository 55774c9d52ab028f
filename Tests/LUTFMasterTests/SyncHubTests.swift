import LUTFCore
import LUTFMaster
import LUTFTesting
import Testing

/// Events, barriers and subscriptions of one test, on the hub alone.
@Suite("sync hub: events, barriers, subscriptions", .timeLimit(.minutes(1)))
struct SyncHubTests {
    /// Waits until `hub` holds `count` pending waits of `scope` (a task is parked in it).
    func untilPending(_ hub: SyncHub, _ count: Int, scope: String = "t") async throws {
        try await TestSupport.waitUntil("\(count) pending waits in test '\(scope)'", within: 10) {
            await hub.pendingWaits(scope: scope) >= count
        }
    }

    /// `caller` arrives at barrier `name` of test `t` with named parties.
    func arrive(
        _ hub: SyncHub, _ name: String, as caller: String, parties: [String], timeout: Double,
        dead: [String: String] = [:]
    ) async throws -> Value {
        try await hub.arrive(name, caller: caller, parties: parties, count: 0, timeout: timeout, scope: "t", dead: dead)
    }

    @Test("an event set before or after the wait gives its payload; clear unsets it")
    func events() async throws {
        let hub = SyncHub()
        await hub.set("ready", payload: ["n": 1], scope: "t")
        #expect(try await hub.wait("ready", timeout: 5, scope: "t") == ["n": 1])
        await hub.clear("ready", scope: "t")
        #expect(await hub.isSet("ready", scope: "t") == false)
        async let later = hub.wait("ready", timeout: 5, scope: "t")
        try await untilPending(hub, 1)
        await hub.set("ready", payload: "go", scope: "t")
        #expect(try await later == "go")
        #expect(await hub.isSet("ready", scope: "other") == false, "events are per test")
    }

    @Test("an event never set times out, naming it, and leaves no waiter behind")
    func eventTimeout() async throws {
        let hub = SyncHub()
        await #expect {
            _ = try await hub.wait("never", timeout: 0.1, scope: "t")
        } throws: { error in
            (error as? LUTFError)?.code == .timeout && (error as? LUTFError)?.message.contains("'never'") == true
        }
        #expect(await hub.pendingWaits(scope: "t") == 0)
    }

    @Test("a barrier releases every party once the last arrives, with who arrived")
    func barrier() async throws {
        let hub = SyncHub()
        let parties = ["master", "oss1", "client1"]
        async let first = arrive(hub, "b", as: "oss1", parties: parties, timeout: 10)
        async let second = arrive(hub, "b", as: "client1", parties: parties, timeout: 10)
        try await untilPending(hub, 2)
        let last = try await arrive(hub, "b", as: "master", parties: parties, timeout: 10)
        let everyone = Set(["master", "oss1", "client1"].map(Value.string))
        for result in [last, try await first, try await second] {
            #expect(Set(result["parties"]?.listValue ?? []) == everyone)
        }
    }

    @Test("a barrier refuses a caller who is not a party and parties that differ from the first arrival's")
    func barrierMisuse() async throws {
        let hub = SyncHub()
        await #expect(throws: LUTFError.self) {
            _ = try await arrive(hub, "b", as: "mds1", parties: ["oss1", "client1"], timeout: 1)
        }
        async let waiting = arrive(hub, "c", as: "oss1", parties: ["oss1", "client1"], timeout: 10)
        try await untilPending(hub, 1)
        await #expect {
            _ = try await arrive(hub, "c", as: "client1", parties: ["client1", "mds1"], timeout: 1)
        } throws: { error in
            (error as? LUTFError)?.message.contains("differ") == true
        }
        _ = try await arrive(hub, "c", as: "client1", parties: ["oss1", "client1"], timeout: 10)
        _ = try await waiting
    }

    @Test("a party that dies breaks the barrier for its waiters at once, naming it; a dead party breaks it on arrival")
    func barrierDeath() async throws {
        let hub = SyncHub()
        let parties = ["oss1", "client1"]
        async let waiting = arrive(hub, "b", as: "oss1", parties: parties, timeout: 30)
        try await untilPending(hub, 1)
        let start = ContinuousClock.now
        await hub.agentDied("client1", reason: "connection closed")
        do {
            _ = try await waiting
            Issue.record("the barrier did not break")
        } catch let error as LUTFError {
            #expect(error.code == .barrierBroken && error.details["agent"] == "client1")
            #expect(error.message.contains("connection closed"))
        }
        #expect(ContinuousClock.now - start < .seconds(10), "the break waited for the barrier's timeout")
        await #expect {
            _ = try await arrive(
                hub, "d", as: "oss1", parties: parties, timeout: 30, dead: ["client1": "no heartbeat for 3.1 s"])
        } throws: { error in
            (error as? LUTFError)?.message.contains("agent 'client1' is dead (no heartbeat for 3.1 s)") == true
        }
    }

    @Test("a barrier that times out names who never arrived, to every waiter")
    func barrierTimeout() async throws {
        let hub = SyncHub()
        let parties = ["oss1", "client1", "mds1"]
        async let other = arrive(hub, "b", as: "client1", parties: parties, timeout: 0.3)
        try await untilPending(hub, 1)
        await #expect {
            _ = try await arrive(hub, "b", as: "oss1", parties: parties, timeout: 0.3)
        } throws: { error in
            (error as? LUTFError)?.code == .barrierBroken && (error as? LUTFError)?.message.contains("mds1") == true
        }
        do {
            _ = try await other
            Issue.record("the other waiter was released")
        } catch let error as LUTFError {
            #expect(error.message.contains("mds1 never arrived"))
        }
    }

    @Test("subscriptions get matching posts in order, queued or waited for; others are not delivered")
    func subscriptions() async throws {
        let hub = SyncHub()
        let nodes = await hub.subscribe("node.*", scope: "t")
        #expect(await hub.post("node.up", payload: 1, from: "oss1", scope: "t") == 1)
        #expect(await hub.post("node.down", payload: 2, from: "oss1", scope: "t") == 1)
        #expect(await hub.post("link.down", payload: 3, from: "oss1", scope: "t") == 0)
        #expect(try await hub.next(nodes, timeout: 1, scope: "t")["payload"] == 1)
        #expect(try await hub.next(nodes, timeout: 1, scope: "t")["name"] == "node.down")
        async let waited = hub.next(nodes, timeout: 10, scope: "t")
        try await untilPending(hub, 1)
        _ = await hub.post("node.gone", payload: 4, from: "client1", scope: "t")
        #expect(try await waited["from"] == "client1")
        await #expect(throws: LUTFError.self) { _ = try await hub.next(nodes, timeout: 0.1, scope: "t") }
    }

    @Test("the end of a test fails every wait still pending in it, and only in it")
    func endOfTest() async throws {
        let hub = SyncHub()
        async let event = hub.wait("e", timeout: 30, scope: "t")
        async let barrier = arrive(hub, "b", as: "oss1", parties: ["oss1", "client1"], timeout: 30)
        let sub = await hub.subscribe("*", scope: "t")
        async let next = hub.next(sub, timeout: 30, scope: "t")
        async let elsewhere = hub.wait("e", timeout: 30, scope: "u")
        try await untilPending(hub, 3)
        try await untilPending(hub, 1, scope: "u")
        await hub.end(scope: "t")
        do {
            _ = try await event
            Issue.record("the event wait outlived its test")
        } catch let error as LUTFError { #expect(error.code == .cancelled) }
        do {
            _ = try await barrier
            Issue.record("the barrier outlived its test")
        } catch let error as LUTFError { #expect(error.code == .cancelled) }
        do {
            _ = try await next
            Issue.record("the subscription wait outlived its test")
        } catch let error as LUTFError { #expect(error.code == .cancelled) }
        #expect(await hub.pendingWaits(scope: "u") == 1)
        await hub.set("e", payload: "still here", scope: "u")
        #expect(try await elsewhere == "still here")
    }
}
