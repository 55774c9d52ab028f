import LUTFCore
import LUTFWire
import Logging
import NIOCore
import NIOPosix
import OrderedCollections
import ServiceLifecycle
import Synchronization

/// The LUTF master: accepts agents and control clients, tracks agents by heartbeat, and routes
/// calls to them.
///
/// Run it as a `Service` (``run()`` until graceful shutdown or cancellation); other code calls
/// agents through ``call(_:_:timeout:)`` while it runs.
public final class Master: Service, Sendable {
    public let settings: MasterSettings
    public let registry = AgentRegistry()
    /// Master time, by which agents' silence is judged.
    public let heartbeats: HeartbeatMonitor
    private let logger: Logger
    private let bound = OneShot<HostPort>()
    private let hooks = Mutex<(services: (any MasterServiceHandler)?, control: (any ControlHandler)?)>((nil, nil))
    private let startedAt = Monotonic.nanoseconds()

    public init(settings: MasterSettings, logger: Logger) {
        self.settings = settings
        // A gap between ticks longer than two periods is the master not running, not silence.
        self.heartbeats = HeartbeatMonitor(maxStep: .milliseconds(Int(Self.monitorPeriod(settings) * 2000)))
        var logger = logger
        logger[metadataKey: "lutf.role"] = "master"
        self.logger = logger
    }

    /// The address the master listens on, once it does (port 0 resolved to the real port).
    public func listeningAddress() async throws -> HostPort {
        try await bound.value
    }

    /// Installs the handler for `service` RPCs from agents.
    public func setServiceHandler(_ handler: any MasterServiceHandler) {
        hooks.withLock { $0.services = handler }
    }

    /// Installs the handler for control operations beyond QUERY.
    public func setControlHandler(_ handler: any ControlHandler) {
        hooks.withLock { $0.control = handler }
    }

    // MARK: Calls to agents

    /// Calls `agent` with the RPC `fields` (`type`, `fname`, `script`, ...) and returns the result.
    ///
    /// - Throws: ``LUTFError``: `not_found` / `agent_dead` for an unknown or dead agent (also when
    ///   it dies during the call), `timeout` at the deadline, `remote` for an exception raised there.
    public func call(_ agent: String, _ fields: OrderedDictionary<String, Value>, timeout: Double) async throws -> Value
    {
        let link = try await registry.link(named: agent)
        return try await link.rpc.call(fields, timeout: timeout) {
            LUTFError(
                .timeout,
                "agent '\(agent)' did not answer within \(timeout.secondsText) (last heartbeat \(link.silence.secondsText) ago)",
                details: ["node": .string(agent)])
        }
    }

    /// Calls a function by name on `agent` (a built-in such as `echo`, `info`, `interfaces`).
    public func callFunction(_ agent: String, _ function: String, _ parameters: Value = [:], timeout: Double)
        async throws -> Value
    {
        try await call(
            agent, ["type": "function_call", "fname": .string(function), "parameters": parameters], timeout: timeout)
    }

    // MARK: Service

    public func run() async throws {
        let listener: WireServer.Listener
        do {
            listener = try await WireServer.bind(
                settings.listen, key: settings.key, settings: settings.wire, logger: logger,
                stamp: { [heartbeats] in heartbeats.stamp() })
        } catch {
            bound.fail(error)
            throw error
        }
        let port = listener.channel.localAddress?.port ?? settings.listen.port
        let address = HostPort(host: settings.listen.host, port: port)
        bound.succeed(address)
        logger.info(
            "master listening on \(address) (heartbeat \(settings.heartbeatInterval) s, dead after \(settings.deadAfter) s)"
        )
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { await self.monitorHeartbeats() }
                try await listener.executeThenClose { inbound in
                    for try await connection in inbound {
                        group.addTask { await self.serve(connection) }
                    }
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            listener.channel.close(promise: nil)
        }
        for link in await registry.liveLinks() { link.channel.close(promise: nil) }
        logger.info("master stopped")
    }

    /// Marks silent agents dead, several times per heartbeat interval, until cancelled. Each tick
    /// first waits for every event loop to run (a loop busy for seconds holds heartbeats unread),
    /// then advances master time (``HeartbeatMonitor``): a master that did not run does not count
    /// that time against its agents.
    private func monitorHeartbeats() async {
        let period = Self.monitorPeriod(settings)
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: .seconds(period))
            } catch {
                return
            }
            for loop in MultiThreadedEventLoopGroup.singleton.makeIterator() {
                _ = try? await loop.submit {}.get()
            }
            heartbeats.tick()
            for link in await registry.reap(silentLongerThan: settings.deadAfter) {
                logger.warning("agent '\(link.name)' is dead: no heartbeat for \(link.silence.secondsText)")
                link.channel.close(promise: nil)
            }
        }
    }

    // MARK: Connections

    /// Seconds between heartbeat checks.
    static func monitorPeriod(_ settings: MasterSettings) -> Double { min(0.25, settings.heartbeatInterval / 4) }

    /// Seconds an authenticated connection may take to send its REGISTER.
    static let registrationDeadline = 10.0

    private func serve(_ accepted: WireServer.Connection) async {
        let connection = accepted.channel
        do {
            try await accepted.authenticated.get()
        } catch {
            try? await connection.channel.close()
            return  // the wire handler has logged why
        }
        let peer = connection.channel.remoteAddress?.ipAddress ?? "unknown"
        do {
            try await connection.executeThenClose { inbound, _ in
                var messages = inbound.makeAsyncIterator()
                // An authenticated peer that does not say who it is is not kept waiting on.
                let channel = connection.channel
                let logger = self.logger
                let deadline = channel.eventLoop.scheduleTask(in: .seconds(Int64(Self.registrationDeadline))) {
                    logger.warning(
                        "closing connection from \(peer): no REGISTER within \(Self.registrationDeadline.secondsText)")
                    channel.close(promise: nil)
                }
                let first = try await messages.next()
                deadline.cancel()
                guard let first else { return }
                guard first.type == .register, let registration = first.body["register"] else {
                    let error = LUTFError(
                        .protocolViolation, "expected REGISTER as the first message from \(peer), got \(first.type)")
                    logger.warning("\(error.message)")
                    try await connection.channel.writeAndFlush(Message.error(error))
                    return
                }
                switch registration["kind"]?.stringValue ?? "agent" {
                case "agent":
                    try await serveAgent(
                        registration, connection.channel, lastRead: accepted.lastRead, peer: peer, messages: &messages)
                case "control":
                    try await serveControl(connection.channel, peer: peer, messages: &messages)
                case let kind:
                    let error = LUTFError(.protocolViolation, "REGISTER from \(peer) has unknown kind '\(kind)'")
                    logger.warning("\(error.message)")
                    try await connection.channel.writeAndFlush(Message.error(error))
                }
            }
        } catch {
            logger.debug("connection from \(peer) ended: \(error)")
        }
    }

    private func serveAgent(
        _ registration: Value, _ channel: any Channel, lastRead: InboundActivity, peer: String,
        messages: inout NIOAsyncChannelInboundStream<Message>.AsyncIterator
    ) async throws {
        let link: AgentLink
        do {
            let identity = try AgentIdentity(registration: registration, address: peer)
            link = AgentLink(
                identity: identity, channel: channel, masterName: settings.name,
                maxFrameBytes: settings.wire.maxFrameBytes, monitor: heartbeats, lastRead: lastRead)
            try await registry.register(link)
        } catch {
            logger.warning("refused agent from \(peer): \(error.message)")
            try await channel.writeAndFlush(Message.error(error))
            return
        }
        var logger = logger
        logger[metadataKey: "lutf.agent"] = .string(link.name)
        logger.info(
            "agent '\(link.name)' joined from \(peer) (role \(link.identity.role.isEmpty ? "-" : link.identity.role), pid \(link.identity.pid))"
        )
        try await channel.writeAndFlush(
            Message(
                .registered,
                [
                    "registered": [
                        "master": .string(settings.name), "heartbeat_interval": .double(settings.heartbeatInterval),
                        "missed_heartbeats": .int(settings.missedHeartbeats),
                    ]
                ]))
        var reason = "connection closed"
        do {
            try await withThrowingDiscardingTaskGroup { group in
                loop: while let message = try await messages.next() {
                    switch message.type {
                    case .heartbeat:
                        link.touch()
                        link.send(Message(.heartbeatAck, message.body))
                    case .rpcResponse:
                        link.rpc.deliver(message.body)
                    case .rpcRequest:
                        group.addTask {
                            let response = await self.answer(message.body, from: link.name)
                            link.send(response)
                        }
                    case .error:
                        logger.warning(
                            "agent '\(link.name)' reported: \(message.body["error"]?["message"]?.plainText ?? message.body.plainText)"
                        )
                    case .bye:
                        reason = "agent stopped"
                        break loop
                    default:
                        let error = LUTFError(
                            .protocolViolation, "unexpected \(message.type) from agent '\(link.name)'")
                        logger.warning("\(error.message)")
                        link.send(Message.error(error))
                        reason = error.message
                        break loop
                    }
                }
                group.cancelAll()
            }
        } catch {
            reason = "connection lost (\(WireClient.describe(error)))"
        }
        await registry.disconnected(link, reason: reason)
        logger.info("agent '\(link.name)' disconnected: \(reason)")
    }

    /// Answers an RPC an agent sent to the master.
    private func answer(_ request: Value, from agent: String) async -> Message {
        let fields = request["rpc"] ?? [:]
        let result: Result<Value, LUTFError>
        let operation = fields["fname"]?.stringValue ?? ""
        if operation == "ping" {
            result = .success("pong")
        } else if let services = hooks.withLock({ $0.services }) {
            do {
                result = .success(
                    try await services.serve(
                        operation: operation, parameters: fields["parameters"] ?? [:], caller: agent))
            } catch let error as LUTFError {
                result = .failure(error)
            } catch {
                result = .failure(LUTFError(.failure, "\(operation): \(error)"))
            }
        } else {
            result = .failure(
                LUTFError(.notFound, "the master offers no service '\(operation)' (no test run is active)"))
        }
        return RPC.response(to: request, from: settings.name, result: result, limit: settings.wire.maxFrameBytes)
    }

    private func serveControl(
        _ channel: any Channel, peer: String, messages: inout NIOAsyncChannelInboundStream<Message>.AsyncIterator
    ) async throws {
        try await channel.writeAndFlush(Message(.registered, ["registered": ["master": .string(settings.name)]]))
        while let message = try await messages.next() {
            guard message.type == .control else {
                if message.type == .bye { return }
                let error = LUTFError(.protocolViolation, "unexpected \(message.type) from control client \(peer)")
                logger.warning("\(error.message)")
                try await channel.writeAndFlush(Message.error(error))
                return
            }
            let response = await controlResponse(message.body["control"] ?? [:])
            try await channel.writeAndFlush(Message(.controlResponse, ["master_response": response]))
        }
    }

    /// The `master_response:` map for a control request.
    public func controlResponse(_ request: Value) async -> Value {
        let operation = (request["op"]?.stringValue ?? "").lowercased()
        if operation == "query" {
            return await queryResponse()
        }
        let control = hooks.withLock { $0.control }
        if let control, let response = await control.handle(operation: operation, request: request) {
            return response
        }
        let known = ["query"] + (control?.operations ?? [])
        return [
            "status": "Failure",
            "error": .string(
                "unknown control operation '\(request["op"]?.plainText ?? "")' (known: \(known.joined(separator: ", ")))"
            ),
        ]
    }

    private func queryResponse() async -> Value {
        let agents = await registry.snapshot()
        return [
            "status": "Success",
            "master": [
                "name": .string(settings.name), "address": .string(bound.current?.description ?? ""),
                "uptime": .double((Monotonic.secondsSince(startedAt) * 10).rounded() / 10),
                "heartbeat_interval": .double(settings.heartbeatInterval),
                "software": .string(LUTFDefaults.software),
            ],
            "agents": .list(agents.map(\.value)),
        ]
    }
}
