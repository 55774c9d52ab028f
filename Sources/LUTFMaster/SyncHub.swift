import Foundation
import LUTFCore
import OrderedCollections

/// Events and barriers between the nodes of a test, owned by the master.
///
/// State lives per test (scope = the test's id) and is dropped when the test ends, failing any
/// wait still pending: a wait never outlives its test. A barrier breaks at once when an agent
/// that is one of its parties dies, and every waiter learns which agent it was.
public actor SyncHub {
    private struct Waiter {
        var id: Int
        var slot: OneShot<Value>
    }

    private struct Barrier {
        var parties: [String]?  // names, or nil when only a count is known
        var count: Int
        var arrived: [String] = []
        var waiters: [Waiter] = []
    }

    private struct Subscription {
        var pattern: String
        var queue: [Value] = []
        var waiters: [Waiter] = []
    }

    private struct Scope {
        var events: [String: Value] = [:]
        var eventWaiters: [String: [Waiter]] = [:]
        var barriers: [String: Barrier] = [:]
        /// Why a barrier broke, for waiters whose own deadline fires at the same moment.
        var broken: [String: LUTFError] = [:]
        var subscriptions: [Int: Subscription] = [:]
    }

    private var scopes: [String: Scope] = [:]
    private var nextID = 1

    public init() {}

    private func id() -> Int {
        defer { nextID += 1 }
        return nextID
    }

    // MARK: Events

    /// Sets event `name` with `payload` and wakes its waiters.
    public func set(_ name: String, payload: Value, scope: String) {
        scopes[scope, default: Scope()].events[name] = payload
        let waiters = scopes[scope]?.eventWaiters.removeValue(forKey: name) ?? []
        for waiter in waiters { waiter.slot.succeed(payload) }
    }

    public func clear(_ name: String, scope: String) {
        scopes[scope]?.events[name] = nil
    }

    public func isSet(_ name: String, scope: String) -> Bool {
        scopes[scope]?.events[name] != nil
    }

    /// The payload of event `name` once it is set; a `timeout` error after `timeout` seconds.
    public func wait(_ name: String, timeout: Double, scope: String) async throws -> Value {
        if let payload = scopes[scope]?.events[name] { return payload }
        let waiter = Waiter(id: id(), slot: OneShot())
        scopes[scope, default: Scope()].eventWaiters[name, default: []].append(waiter)
        do {
            return try await withTimeout(seconds: timeout) { try await waiter.slot.value }
        } catch let error as LUTFError where error.code == .timeout {
            _ = removeEventWaiter(waiter.id, name: name, scope: scope)
            throw LUTFError(.timeout, "event '\(name)' was not set within \(timeout.secondsText)")
        }
    }

    private func removeEventWaiter(_ waiterID: Int, name: String, scope: String) -> Waiter? {
        guard let index = scopes[scope]?.eventWaiters[name]?.firstIndex(where: { $0.id == waiterID }) else {
            return nil
        }
        return scopes[scope]?.eventWaiters[name]?.remove(at: index)
    }

    // MARK: Barriers

    /// Arrives at barrier `name` as `caller`; returns once every party has arrived.
    ///
    /// - Parameters:
    ///   - parties: the agents (and `master`) that must arrive, or `nil` with `count`.
    ///   - dead: why each party that is dead now died (a dead party breaks the barrier at once).
    /// - Throws: `barrier_broken` naming a dead party, or who never arrived at the timeout.
    public func arrive(
        _ name: String, caller: String, parties: [String]?, count: Int, timeout: Double, scope: String,
        dead: [String: String]
    ) async throws -> Value {
        var barrier = scopes[scope]?.barriers[name] ?? Barrier(parties: parties, count: parties?.count ?? count)
        if let parties, let known = barrier.parties, Set(parties) != Set(known) {
            throw LUTFError(
                .usage, "barrier '\(name)': parties \(parties) differ from \(known) given by the first to arrive")
        }
        if let parties, !parties.contains(caller) {
            throw LUTFError(
                .usage, "barrier '\(name)': '\(caller)' is not one of its parties (\(parties.joined(separator: ", ")))")
        }
        if let (agent, reason) = (barrier.parties ?? []).compactMap({ p in dead[p].map { (p, $0) } }).first {
            throw LUTFError(
                .barrierBroken, "barrier '\(name)' is broken: agent '\(agent)' is dead (\(reason))",
                details: ["agent": .string(agent)])
        }
        barrier.arrived.append(caller)
        scopes[scope, default: Scope()].barriers[name] = barrier
        if barrier.arrived.count >= barrier.count {
            let result: Value = ["parties": .list(barrier.arrived.map(Value.string))]
            for waiter in barrier.waiters { waiter.slot.succeed(result) }
            scopes[scope]?.barriers[name] = nil
            return result
        }
        let waiter = Waiter(id: id(), slot: OneShot())
        scopes[scope]?.barriers[name]?.waiters.append(waiter)
        do {
            return try await withTimeout(seconds: timeout) { try await waiter.slot.value }
        } catch let error as LUTFError where error.code == .timeout {
            let missing = self.missing(name, scope: scope)
            // The barrier is broken for everyone still waiting.
            if let barrier = scopes[scope]?.barriers.removeValue(forKey: name) {
                let broken = LUTFError(
                    .barrierBroken,
                    "barrier '\(name)' timed out after \(timeout.secondsText): \(missing) never arrived",
                    details: ["missing": .string(missing)])
                for other in barrier.waiters where other.id != waiter.id { other.slot.fail(broken) }
                scopes[scope]?.broken[name] = broken
                throw broken
            }
            throw scopes[scope]?.broken[name]
                ?? LUTFError(.barrierBroken, "barrier '\(name)' timed out after \(timeout.secondsText)")
        }
    }

    private func missing(_ name: String, scope: String) -> String {
        guard let barrier = scopes[scope]?.barriers[name] else { return "nobody" }
        if let parties = barrier.parties {
            let absent = parties.filter { !barrier.arrived.contains($0) }
            return absent.isEmpty ? "nobody" : absent.joined(separator: ", ")
        }
        return "\(barrier.count - barrier.arrived.count) of \(barrier.count) parties"
    }

    /// An agent died: every barrier it is a party of (or has arrived at) breaks, naming it.
    public func agentDied(_ agent: String, reason: String) {
        for (scopeName, scope) in scopes {
            for (name, barrier) in scope.barriers
            where (barrier.parties?.contains(agent) ?? false) || barrier.arrived.contains(agent) {
                let error = LUTFError(
                    .barrierBroken, "barrier '\(name)' is broken: agent '\(agent)' died (\(reason))",
                    details: ["agent": .string(agent)])
                for waiter in barrier.waiters { waiter.slot.fail(error) }
                scopes[scopeName]?.barriers[name] = nil
                scopes[scopeName]?.broken[name] = error
            }
        }
    }

    // MARK: Asynchronous events

    /// Starts collecting posted events whose name matches the glob `pattern`.
    public func subscribe(_ pattern: String, scope: String) -> Int {
        let subscription = id()
        scopes[scope, default: Scope()].subscriptions[subscription] = Subscription(pattern: pattern)
        return subscription
    }

    /// Delivers `{name, payload, from}` to every matching subscription.
    public func post(_ name: String, payload: Value, from: String, scope: String) -> Int {
        let event: Value = ["name": .string(name), "payload": payload, "from": .string(from)]
        var delivered = 0
        for (key, var subscription) in scopes[scope]?.subscriptions ?? [:]
        where fnmatch(subscription.pattern, name, 0) == 0 {
            delivered += 1
            if subscription.waiters.isEmpty {
                subscription.queue.append(event)
            } else {
                subscription.waiters.removeFirst().slot.succeed(event)
            }
            scopes[scope]?.subscriptions[key] = subscription
        }
        return delivered
    }

    /// The next event of a subscription, waiting up to `timeout` seconds.
    public func next(_ subscription: Int, timeout: Double, scope: String) async throws -> Value {
        guard var sub = scopes[scope]?.subscriptions[subscription] else {
            throw LUTFError(.notFound, "no subscription \(subscription) in this test")
        }
        if !sub.queue.isEmpty {
            let event = sub.queue.removeFirst()
            scopes[scope]?.subscriptions[subscription] = sub
            return event
        }
        let waiter = Waiter(id: id(), slot: OneShot())
        sub.waiters.append(waiter)
        scopes[scope]?.subscriptions[subscription] = sub
        do {
            return try await withTimeout(seconds: timeout) { try await waiter.slot.value }
        } catch let error as LUTFError where error.code == .timeout {
            scopes[scope]?.subscriptions[subscription]?.waiters.removeAll { $0.id == waiter.id }
            throw LUTFError(.timeout, "no event matching '\(sub.pattern)' within \(timeout.secondsText)")
        }
    }

    // MARK: Scope

    /// How many waits (events, barriers, subscriptions) of a test are pending now.
    public func pendingWaits(scope: String) -> Int {
        guard let state = scopes[scope] else { return 0 }
        return state.eventWaiters.values.reduce(0) { $0 + $1.count }
            + state.barriers.values.reduce(0) { $0 + $1.waiters.count }
            + state.subscriptions.values.reduce(0) { $0 + $1.waiters.count }
    }

    /// Drops a test's events, barriers and subscriptions, failing every wait still pending.
    public func end(scope: String) {
        guard let state = scopes.removeValue(forKey: scope) else { return }
        let error = LUTFError(.cancelled, "the test ended while this wait was pending")
        for waiters in state.eventWaiters.values { for w in waiters { w.slot.fail(error) } }
        for barrier in state.barriers.values { for w in barrier.waiters { w.slot.fail(error) } }
        for sub in state.subscriptions.values { for w in sub.waiters { w.slot.fail(error) } }
    }
}
