import Foundation
import LUTFCore
import LUTFMaster
import Logging
import OrderedCollections
import Synchronization

/// Runs test scripts one after another, each in its own Python process with a deadline, and
/// records their results.
public final class TestRunner: Sendable {
    private let master: Master
    private let broker: ScriptBroker
    private let runtime: PythonRuntime
    private let supervisor: ProcessSupervisor
    private let writer: ResultsWriter
    private let settings: RunSettings
    private let runID: String
    private let logger: Logger
    private let progress: @Sendable (String) -> Void
    private let sequence = Mutex(0)
    /// What stops the running test and the run (a signal, the shell's Ctrl-C), asked for at each test.
    private let interruption: @Sendable () -> Interruption

    public init(
        master: Master, broker: ScriptBroker, runtime: PythonRuntime, supervisor: ProcessSupervisor,
        writer: ResultsWriter, settings: RunSettings, runID: String, logger: Logger,
        progress: @escaping @Sendable (String) -> Void,
        interruption: @escaping @Sendable () -> Interruption = { Interruption() }
    ) {
        self.interruption = interruption
        self.master = master
        self.broker = broker
        self.runtime = runtime
        self.supervisor = supervisor
        self.writer = writer
        self.settings = settings
        self.runID = runID
        self.logger = logger
        self.progress = progress
    }

    /// Runs every script of `suites` in order and returns the results.
    ///
    /// While a test runs, the next one's Python process is started and waits (``Host``), so
    /// that Python's start-up and `import lutf` are on no test's clock and between no two tests.
    public func run(_ suites: [Suite]) async -> [TestResult] {
        let tests = suites.flatMap { suite in suite.scripts.map { (suite: suite, script: $0) } }
        var results: [TestResult] = []
        var ready: Host?
        for (index, test) in tests.enumerated() {
            if Task.isCancelled { break }
            let (suite, script) = test
            var host: Host?
            if let prepared = ready {
                ready = nil
                if prepared.script.fullName == script.fullName { host = prepared } else { await abandon(prepared) }
            }
            let result: TestResult
            if let why = interruption().reason {
                // Stopping: what was not run is recorded as such, so the record says why it ends.
                if let host { await abandon(host) }
                result = TestResult(
                    script: script, status: .skip, duration: 0, error: "not run: interrupted (\(why))")
            } else if let gone = await everyAgentDead() {
                // Nothing can run any more; say so for each test instead of failing them obscurely.
                if let host { await abandon(host) }
                result = TestResult(script: script, status: .fail, duration: 0, error: "not run: \(gone)")
            } else {
                async let next = prepareIfRun(tests.dropFirst(index + 1).first)
                result = await run(script, of: suite, host: host)
                ready = await next
            }
            do {
                try writer.record(result)
            } catch let error as LUTFError {
                progress("lutf: \(error.message)")
            } catch {
                progress("lutf: cannot write the results: \(error)")
            }
            if settings.auster.isActive {
                let hosts = Dictionary(
                    (await master.registry.snapshot()).map { ($0.name, $0.identity.hostname) },
                    uniquingKeysWith: { first, _ in first })
                do {
                    try AusterReport.record(
                        result, testDirectory: "\(writer.directory)/\(script.suite)/\(script.name)",
                        nodeHosts: hosts, settings: settings.auster)
                } catch {
                    progress("lutf: \(error.message)")
                }
            }
            results.append(result)
            var line =
                "[\(index + 1)/\(tests.count)] \(script.fullName) \(result.label) \(Self.seconds(result.duration))"
            if !result.error.isEmpty { line += "  \(result.error.split(separator: "\n").first ?? "")" }
            progress(line)
            if settings.failFast && result.failsRun {
                progress("lutf: stopping after the first failure (--fail-fast)")
                break
            }
        }
        if let ready { await abandon(ready) }
        return results
    }

    /// The LNet of the live agents, `real` or `simulated` (nil when they differ or none is alive).
    private func backend() async -> String? {
        let kinds = Set(
            await master.registry.liveLinks().map { $0.identity.lnet == "simulated" ? "simulated" : "real" })
        return kinds.count == 1 ? kinds.first : nil
    }

    /// Why no test can run any more (every agent that was there is dead), or `nil`.
    private func everyAgentDead() async -> String? {
        let agents = await master.registry.snapshot()
        guard !agents.isEmpty, agents.allSatisfy({ $0.state == .dead }) else { return nil }
        return "every agent is dead ("
            + agents.map { "\($0.name): \($0.deadReason ?? "dead")" }.joined(separator: "; ") + ")"
    }

    static func seconds(_ value: Double) -> String {
        String(format: "%.2fs", value)
    }

    /// Runs one script and returns its result (never throws: every failure is the test's FAIL).
    public func run(_ script: TestScript, of suite: Suite) async -> TestResult {
        await run(script, of: suite, host: nil)
    }

    /// Why `script` is skipped without running (the skip list, or the backend's), or `nil`.
    private func skipReason(_ script: TestScript, of suite: Suite) async -> String? {
        if suite.excluded.contains(script.key) { return "skipping excluded test \(script.key)" }
        if suite.skipList.contains(script.key) { return "skip list" }
        if !suite.skipOn.isEmpty, let backend = await backend(), let reason = suite.skipOn[backend]?[script.key] {
            return "skipped on \(backend == "real" ? "real LNet" : "simulated LNet"): \(reason)"
        }
        return nil
    }

    /// Runs one script, in `host` if one was started for it.
    private func run(_ script: TestScript, of suite: Suite, host: Host?) async -> TestResult {
        if let reason = await skipReason(script, of: suite) {
            if let host { await abandon(host) }
            return TestResult(script: script, status: .skip, duration: 0, error: reason)
        }
        var result = await execute(script, of: suite, host: host)
        if suite.expectedFailures.contains(script.key) {
            if result.status == .fail {
                result.status = .skip
                result.error = "expected failure: " + result.error
                result.expectedFailure = true
            } else if result.status == .pass {
                result.unexpectedPass = true
                result.error = "unexpected pass: listed in expected_failures"
            }
        }
        return result
    }

    private enum Outcome {
        case reported(Value)
        case exited(ExitStatus)
        case timedOut(Double)
        case interrupted(String)
    }

    /// A test's Python process, started before the test's turn: it has imported `lutf`, said
    /// hello, and waits for the answer, which the broker gives when the test's session is added.
    private struct Host: Sendable {
        let script: TestScript
        let directory: String
        let token: String
        let process: ChildProcess
    }

    /// Starts the process of `test` if it will run, as far as can be told before its turn; `nil`
    /// if not, or if it cannot be started (its turn tries again and says why).
    private func prepareIfRun(_ test: (suite: Suite, script: TestScript)?) async -> Host? {
        guard let test, await skipReason(test.script, of: test.suite) == nil else { return nil }
        return try? await prepare(test.script, of: test.suite).get()
    }

    /// Creates the test's directory and starts its Python process, expected by the broker.
    private func prepare(_ script: TestScript, of suite: Suite) async -> Result<Host, LUTFError> {
        let directory: String
        do {
            directory = try writer.testDirectory(script)
        } catch {
            return .failure(LUTFError(.io, "cannot create the test's log directory: \(error)"))
        }
        let token = HostInfo.randomToken(bytes: 16)
        broker.expect(token: token)
        do {
            let socket = try await broker.socketPath()
            var spec = ProcessSpec(
                name: "test \(script.fullName)", executable: runtime.interpreter, arguments: ["-m", "lutf._host"],
                environment: runtime.environment(
                    base: ProcessInfo.processInfo.environment, channel: socket, token: token,
                    extraPaths: settings.extraPythonPaths,
                    extra: ["LUTF_ROLE": "master", "LUTF_NODE": "master", "LUTF_LIFELINE": "1"]),
                workingDirectory: suite.directory, logPath: directory + "/output.log")
            spec.gracePeriod = settings.gracePeriod
            spec.lifeline = true
            let process = try await supervisor.start(spec)
            return .success(Host(script: script, directory: directory, token: token, process: process))
        } catch {
            broker.forget(token: token)
            return .failure(LUTFError(.failure, "cannot start the test's Python process: \(error)"))
        }
    }

    /// Stops a process started for a test that is not run, and removes that test's directory.
    private func abandon(_ host: Host) async {
        broker.forget(token: host.token)
        _ = try? await host.process.stop()
        try? FileManager.default.removeItem(atPath: host.directory)
    }

    private func execute(_ script: TestScript, of suite: Suite, host prepared: Host?) async -> TestResult {
        let number = sequence.withLock { n in
            n += 1
            return n
        }
        let start = Monotonic.nanoseconds()
        func failure(_ error: String) -> TestResult {
            TestResult(script: script, status: .fail, duration: Monotonic.secondsSince(start), error: error)
        }
        let host: Host
        if let prepared {
            host = prepared
        } else {
            switch await prepare(script, of: suite) {
            case .success(let started): host = started
            case .failure(let error): return failure(error.message)
            }
        }
        let (directory, process) = (host.directory, host.process)
        // The test's clock starts here, and its process, waiting for the hello's answer, goes on.
        let session = TestSession(
            id: "\(script.fullName)#\(number)", run: runID, suite: suite.name, key: script.key, script: script.path,
            callbacks: suite.callbacks, params: .map(settings.params), noClean: settings.noClean,
            timeout: settings.timeout, directory: directory, token: host.token)
        broker.add(session)

        let master = self.master
        async let marked: Void = EvidenceCollector.mark(session, master: master)
        let outcome = await wait(for: session, process: process)
        await marked
        // Evidence first, while everything the test left is still in place.
        let failed: Bool
        switch outcome {
        case .reported(let report):
            failed = report["status"]?.stringValue != "PASS" && report["status"]?.stringValue != "SKIP"
        case .exited, .timedOut: failed = true
        case .interrupted: failed = false
        }
        if settings.collect == .always || (failed && settings.collect == .failure) {
            await EvidenceCollector.collect(session, master: master, deadline: settings.collectDeadline)
        }
        var result: TestResult
        switch outcome {
        case .reported(let report):
            // The script has reported; give it a moment to exit on its own, then make sure.
            _ = try? await withTimeout(seconds: 2) { try await process.waitForExit() }
            if process.exitStatus == nil { _ = try? await process.stop() }
            result = TestResult(
                script: script, status: TestStatus(rawValue: report["status"]?.stringValue ?? "") ?? .fail,
                duration: Monotonic.secondsSince(start), error: report["error"]?.stringValue ?? "",
                details: Self.details(report))
        case .exited(let status):
            result = failure(
                "the script's Python process ended (\(status)) without reporting a result; see \(script.suite)/\(script.name)/output.log"
            )
        case .timedOut(let seconds):
            logger.warning("test \(script.fullName) timed out after \(seconds.secondsText): stopping it")
            _ = try? await process.stop()
            result = failure("timed out after \(Self.wholeSeconds(seconds)) s")
        case .interrupted(let why):
            _ = try? await process.stop()
            result = failure("interrupted (\(why))")
        }
        if process.exitStatus == nil { _ = try? await process.stop() }
        // Processes the script started that outlived it (daemons that left its process group).
        let strays = Strays.end(marked: "LUTF_TOKEN", value: session.token)
        if !strays.isEmpty {
            logger.warning("test \(script.fullName) left processes running; ended: \(strays.joined(separator: "; "))")
            session.logCall(
                "\(LogSink.timestamp()) master: ended what the script left running: \(strays.joined(separator: "; "))")
        }
        await endTest(session)
        await broker.remove(session)
        if let death = session.deathOfCalledAgent {
            if result.status == .fail {
                result.error += "; \(death)"
            } else {
                result.status = .fail
                result.error = death
            }
        }
        return result
    }

    static func wholeSeconds(_ seconds: Double) -> String {
        seconds.rounded() == seconds ? "\(Int(seconds))" : "\(seconds)"
    }

    private static func details(_ report: Value) -> Value {
        var details = report["details"]?.mapValue ?? [:]
        if let traceback = report["traceback"]?.stringValue, !traceback.isEmpty {
            details["traceback"] = .string(traceback)
        }
        return .map(details)
    }

    /// Waits for the script's report, its process's end, or its deadline (which the script's
    /// `TIMEOUT` may move), whichever comes first.
    private func wait(for session: TestSession, process: ChildProcess) async -> Outcome {
        let outcome = await withTaskGroup(of: Outcome?.self) { group in
            group.addTask { (try? await session.result.value).map(Outcome.reported) }
            group.addTask { (try? await process.waitForExit()).map(Outcome.exited) }
            let interruption = self.interruption
            group.addTask {
                // The deadline, waited for again whenever the script moves it.
                while await session.deadlinePassedOrMoved() {
                    if session.deadlinePassed { return .timedOut(session.timeout) }
                }
                return nil
            }
            group.addTask { (try? await interruption().wait()).map(Outcome.interrupted) }
            var first: Outcome?
            while first == nil, let next = await group.next() { first = next }
            group.cancelAll()
            return first ?? .timedOut(session.timeout)
        }
        if case .exited = outcome, let report = session.result.current { return .reported(report) }
        return outcome
    }

    /// Tells every agent the test called that it has ended: its instances are dropped and calls
    /// still running are stopped (the agent restarts its worker).
    private func endTest(_ session: TestSession) async {
        session.record([
            "kind": "end", "at_ms": .double(session.milliseconds()), "deadline_ms": .double(session.timeout * 1000),
        ])
        let agents = session.calledAgents
        let (master, logger, runID) = (self.master, self.logger, self.runID)
        await withTaskGroup(of: Void.self) { group in
            for agent in agents {
                group.addTask {
                    do {
                        _ = try await master.call(
                            agent, ["type": "end_test", "test": .string(session.id), "run": .string(runID)], timeout: 15
                        )
                    } catch {
                        logger.debug("end_test on \(agent): \(error)")
                    }
                }
            }
        }
    }
}
