import LUTFCore
import LUTFWire
import Logging
import NIOCore
import OrderedCollections
import ServiceLifecycle
import Synchronization

/// A LUTF agent: connects to the master, proves the cluster key, registers, heartbeats, and runs
/// the calls the master sends.
///
/// When the master goes away the agent reconnects with capped exponential backoff (with jitter, so
/// a thousand agents do not reconnect in the same millisecond). It gives up only on errors that
/// retrying cannot fix: a wrong key or a name already used by another live agent.
public final class Agent: Service, Sendable {
    public let settings: AgentSettings
    /// Random per process; the master recognises a reconnect of this process by it.
    public let instance = HostInfo.randomToken()
    private let logger: Logger
    private let handlers: [any AgentCallHandler]
    private let session = Mutex<RPCEndpoint?>(nil)

    public init(settings: AgentSettings, handlers: [any AgentCallHandler] = [], logger: Logger) {
        self.settings = settings
        self.handlers = handlers + [NodeLNet(), BuiltinFunctions()]
        var logger = logger
        logger[metadataKey: "lutf.agent"] = .string(settings.name)
        self.logger = logger
    }

    /// This node's interfaces: on a simulated node loopback and its simulated interfaces that
    /// are up, else the real ones; only those of ``AgentSettings/interfaces`` when it names any.
    public var networkInterfaces: [NetworkInterface] {
        let all = simulatedLNet?.interfaces ?? NetworkInterface.discover()
        guard !settings.interfaces.isEmpty else { return all }
        return all.filter { $0.isLoopback || settings.interfaces.contains($0.name) }
    }

    /// The simulator behind this node's LNet tools, if its LNet is simulated.
    public var simulatedLNet: SimulatedLNet? {
        handlers.lazy.compactMap { $0 as? SimulatedLNet }.first
    }

    /// ``networkInterfaces`` as `[{name, addresses}]`.
    public var interfacesValue: Value {
        .list(networkInterfaces.map(\.summaryValue))
    }

    /// What `info` returns: name, role, host, pid, software, interfaces.
    public var info: Value {
        [
            "name": .string(settings.name), "role": .string(settings.role), "hostname": .string(HostInfo.hostname),
            "pid": .int(HostInfo.pid), "software": .string(LUTFDefaults.software),
            "lnet": .string(settings.lnetBackend),
            "interfaces": .list(networkInterfaces.map(\.value)),
        ]
    }

    /// Sends a `service` RPC to the master (events, barriers, agent list, calls to other agents).
    ///
    /// - Throws: `agent_dead` when not connected, or the master's error.
    public func callMaster(_ operation: String, _ parameters: Value, timeout: Double) async throws -> Value {
        guard let rpc = session.withLock({ $0 }) else {
            throw LUTFError(.agentDead, "agent '\(settings.name)' is not connected to the master")
        }
        return try await rpc.call(
            ["type": "service", "fname": .string(operation), "parameters": parameters], timeout: timeout
        ) {
            LUTFError(.timeout, "the master did not answer '\(operation)' within \(timeout.secondsText)")
        }
    }

    // MARK: Service

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for handler in self.handlers {
                    group.addTask {
                        try await handler.run(agent: self)
                        return false
                    }
                }
                group.addTask {
                    try await self.connectLoop()
                    return true
                }
                // The agent ends when its connection loop does (a fatal error, or cancellation).
                defer { group.cancelAll() }
                while let connectionLoopEnded = try await group.next() {
                    if connectionLoopEnded { return }
                }
            }
        }
    }

    private func connectLoop() async throws {
        var delay = settings.reconnectInitialDelay
        var refusals = 0
        while !Task.isCancelled {
            do {
                let wasRegistered = try await connectAndServe()
                if wasRegistered && settings.exitWithMaster {
                    logger.info("the master is gone: exiting (--exit-with-master)")
                    return
                }
                if wasRegistered {
                    delay = settings.reconnectInitialDelay
                    refusals = 0
                }
            } catch let error as LUTFError where error.code == .refused {
                // The master (authenticated) refused this agent's name: retrying cannot help.
                logger.error("\(error.message)")
                throw error
            } catch let error as LUTFError where error.code == .auth {
                // Whatever answers on the port can say "wrong key" before proving it holds the
                // key: one such answer is not believed; five in a row are.
                refusals += 1
                if refusals >= Self.refusalsBeforeExit {
                    logger.error("\(error.message) (\(refusals) times in a row: giving up)")
                    throw error
                }
                logger.warning("master \(settings.master): \(error.message); retrying in \(delay.secondsText)")
            } catch is CancellationError where Task.isCancelled {
                return
            } catch {
                logger.warning(
                    "master \(settings.master): \(WireClient.describe(error)); retrying in \(delay.secondsText)")
            }
            if Task.isCancelled { return }
            let jittered = delay * Double.random(in: 0.8...1.2)
            do {
                try await Task.sleep(for: .seconds(jittered))
            } catch {
                return
            }
            delay = min(delay * 2, settings.reconnectMaxDelay)
        }
    }

    /// Authentication failures in a row after which the agent gives up.
    static let refusalsBeforeExit = 5

    /// One connection's life. Returns whether the agent got registered (so backoff starts over,
    /// or, with `--exit-with-master`, the agent ends): a connection that fails after registration,
    /// however it fails (closed, reset, timed out), returns `true`.
    private func connectAndServe() async throws -> Bool {
        let channel = try await WireClient.connect(
            to: settings.master, key: settings.key, settings: settings.wire, logger: logger)
        let registered = OneShot<Void>()
        do {
            try await serve(channel, registered: registered)
        } catch  where registered.current != nil {
            logger.warning("connection to master \(settings.master) lost: \(WireClient.describe(error))")
        }
        return registered.current != nil
    }

    private func serve(_ channel: WireChannel, registered: OneShot<Void>) async throws {
        try await channel.executeThenClose { inbound, _ in
            var identity = AgentIdentity(
                name: settings.name, role: settings.role, hostname: HostInfo.hostname, pid: HostInfo.pid,
                instance: instance, software: LUTFDefaults.software,
                interfaces: networkInterfaces, address: "", lnet: settings.lnetBackend)
            identity.aliases = settings.aliases
            try await channel.channel.writeAndFlush(Message(.register, ["register": identity.registration]))
            var messages = inbound.makeAsyncIterator()
            guard let reply = try await messages.next() else {
                throw LUTFError(.io, "master \(settings.master) closed the connection during registration")
            }
            if reply.type == .error {
                let error = LUTFError(value: reply.body["error"] ?? [:])
                throw LUTFError(
                    error.code, "master \(settings.master) refused agent '\(settings.name)': \(error.message)")
            }
            guard reply.type == .registered, let accepted = reply.body["registered"] else {
                throw LUTFError(.protocolViolation, "expected REGISTERED from the master, got \(reply.type)")
            }
            let interval = accepted["heartbeat_interval"]?.doubleValue ?? settings.heartbeatInterval
            let missed = accepted["missed_heartbeats"]?.intValue ?? LUTFDefaults.missedHeartbeats
            let masterName = accepted["master"]?.stringValue ?? "master"
            let rpc = RPCEndpoint(
                channel: channel.channel, localName: settings.name, peerName: masterName,
                maxFrameBytes: settings.wire.maxFrameBytes)
            session.withLock { $0 = rpc }
            registered.succeed(())
            logger.info("registered with master \(settings.master) (heartbeat \(interval) s)")
            let lastAck = LastHeard()
            let deadlines = Deadlines(eventLoop: channel.channel.eventLoop)
            defer {
                session.withLock { $0 = nil }
                rpc.failAll(LUTFError(.agentDead, "connection to the master was lost"))
            }
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask {
                    try await self.heartbeat(
                        channel.channel, interval: interval, silenceLimit: interval * Double(missed), lastAck: lastAck)
                }
                loop: while let message = try await messages.next() {
                    switch message.type {
                    case .heartbeatAck:
                        lastAck.touch()
                    case .rpcRequest:
                        group.addTask {
                            try await channel.channel.writeAndFlush(
                                await self.answer(message.body, deadlines: deadlines))
                        }
                    case .rpcResponse:
                        rpc.deliver(message.body)
                    case .error:
                        logger.warning(
                            "master reported: \(message.body["error"]?["message"]?.plainText ?? message.body.plainText)"
                        )
                    case .bye:
                        break loop
                    default:
                        logger.warning("ignoring unexpected \(message.type) from the master")
                    }
                }
                group.cancelAll()
            }
            logger.warning("connection to master \(settings.master) closed")
        }
    }

    /// Sends heartbeats every `interval` until the connection ends.
    ///
    /// A master that does not acknowledge for longer than `silenceLimit` is said once in the log,
    /// but the connection is kept: a master that is paused or busy comes back to its agents (it
    /// does not count its own pause against them, see the master's `HeartbeatMonitor`), and a
    /// master whose host is gone is found by TCP (keepalive and a user timeout on the socket), which fails
    /// the connection and makes the agent reconnect.
    private func heartbeat(_ channel: any Channel, interval: Double, silenceLimit: Double, lastAck: LastHeard)
        async throws
    {
        var sequence = 0
        var said = false
        // On a fixed beat: a heartbeat that waited behind a large frame does not delay the next.
        let clock = ContinuousClock()
        var next = clock.now
        while true {
            sequence += 1
            try await channel.writeAndFlush(Message(.heartbeat, ["heartbeat": ["seq": .int(sequence)]]))
            next = max(next + .seconds(interval), clock.now)
            do {
                try await Task.sleep(until: next, clock: clock)
            } catch {
                return  // the connection is ending
            }
            let silence = lastAck.silence
            if silence > silenceLimit, !said {
                logger.warning(
                    "master \(settings.master) silent for \(silence.secondsText); keeping the connection while TCP holds"
                )
            } else if silence <= silenceLimit, said {
                logger.info("master \(settings.master) answers again")
            }
            said = silence > silenceLimit
        }
    }

    /// Runs one RPC request and builds its response.
    private func answer(_ request: Value, deadlines: Deadlines) async -> Message {
        let fields = request["rpc"]?.mapValue ?? [:]
        let deadline = fields["deadline"]?.doubleValue ?? 300
        let result: Result<Value, LUTFError>
        if let handler = handlers.first(where: { $0.accepts(fields) }) {
            if handler.enforcesDeadline {
                do {
                    result = .success(try await handler.handle(fields, agent: self))
                } catch let error as LUTFError {
                    result = .failure(error)
                } catch {
                    result = .failure(LUTFError(.failure, "call on agent '\(settings.name)' failed: \(error)"))
                }
            } else {
                result = await Self.withDeadline(deadline, agent: settings.name, deadlines: deadlines) {
                    try await handler.handle(fields, agent: self)
                }
            }
        } else {
            result = .failure(
                LUTFError(
                    .notFound, "agent '\(settings.name)' cannot run RPC type '\(fields["type"]?.plainText ?? "")'"))
        }
        return RPC.response(to: request, from: settings.name, result: result, limit: settings.wire.maxFrameBytes)
    }

    /// Runs `body`, giving up at `seconds` with a `timeout` error.
    private static func withDeadline(
        _ seconds: Double, agent: String, deadlines: Deadlines, _ body: @escaping @Sendable () async throws -> Value
    ) async -> Result<Value, LUTFError> {
        // One child runs the call; the connection's shared deadline timer, not a sleeping task
        // per call, ends the wait at the deadline.
        let outcome = OneShot<Result<Value, LUTFError>>()
        let deadline = deadlines.add(afterSeconds: seconds) {
            outcome.succeed(
                .failure(
                    LUTFError(.timeout, "call on agent '\(agent)' ran past its deadline of \(seconds.secondsText)")))
        }
        return await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    outcome.succeed(.success(try await body()))
                } catch let error as LUTFError {
                    outcome.succeed(.failure(error))
                } catch is CancellationError {
                    outcome.succeed(.failure(LUTFError(.cancelled, "call on agent '\(agent)' was cancelled")))
                } catch {
                    outcome.succeed(.failure(LUTFError(.failure, "call on agent '\(agent)' failed: \(error)")))
                }
            }
            let result =
                (try? await outcome.value) ?? .failure(LUTFError(.cancelled, "call on agent '\(agent)' was cancelled"))
            deadlines.remove(deadline)
            group.cancelAll()
            return result
        }
    }
}
