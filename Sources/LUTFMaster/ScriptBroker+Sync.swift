import LUTFCore

extension ScriptBroker {
    /// Adds the synchronisation operations (events, barriers, asynchronous events) backed by `hub`.
    public func registerSynchronisation(_ hub: SyncHub) {
        @Sendable func scope(_ session: TestSession?) -> String { session?.id ?? "" }
        @Sendable func name(_ request: Value) throws -> String {
            guard let name = request["name"]?.stringValue, !name.isEmpty else {
                throw LUTFError(.usage, "\(request["op"]?.plainText ?? "event"): a name is needed")
            }
            return name
        }
        @Sendable func timeout(_ request: Value) -> Double { request["timeout"]?.doubleValue ?? 60 }

        register("event_set") { request, session, caller in
            let event = try name(request)
            session?.mark("event_set", node: caller, name: event, label: "\(caller) set event '\(event)'")
            await hub.set(event, payload: request["payload"] ?? .null, scope: scope(session))
            return true
        }
        register("event_clear") { request, session, _ in
            await hub.clear(try name(request), scope: scope(session))
            return true
        }
        register("event_is_set") { request, session, _ in
            .bool(await hub.isSet(try name(request), scope: scope(session)))
        }
        register("event_wait") { request, session, caller in
            let event = try name(request)
            session?.mark("event_wait", node: caller, name: event, label: "\(caller) waits for event '\(event)'")
            return try await hub.wait(event, timeout: timeout(request), scope: scope(session))
        }
        register("barrier") { [master] request, session, caller in
            let parties = request["parties"]?.listValue?.compactMap(\.stringValue)
            let count = request["count"]?.intValue ?? parties?.count ?? 0
            guard count > 0 else { throw LUTFError(.usage, "barrier: parties must be a list of agents or a count > 0") }
            let dead = await master.registry.deadReasons()
            let barrier = try name(request)
            session?.mark(
                "barrier_arrive", node: caller, name: barrier,
                label: "\(caller) arrives at barrier '\(barrier)' (\(count) parties)")
            do {
                let released = try await hub.arrive(
                    barrier, caller: caller, parties: parties, count: count, timeout: timeout(request),
                    scope: scope(session), dead: dead)
                session?.mark("barrier_release", node: caller, name: barrier, label: "barrier '\(barrier)' released")
                return released
            } catch let error as LUTFError {
                session?.mark("barrier_break", node: caller, name: barrier, label: error.message)
                throw error
            }
        }
        register("subscribe") { request, session, _ in
            .int(await hub.subscribe(request["pattern"]?.stringValue ?? "*", scope: scope(session)))
        }
        register("post_event") { request, session, caller in
            .int(
                await hub.post(
                    try name(request), payload: request["payload"] ?? .null, from: caller, scope: scope(session)))
        }
        register("next_event") { request, session, _ in
            guard let subscription = request["subscription"]?.intValue else {
                throw LUTFError(.usage, "next_event: no subscription")
            }
            return try await hub.next(subscription, timeout: timeout(request), scope: scope(session))
        }
    }
}
