import Foundation
import LUTFCore
import LUTFMaster
import OrderedCollections
import Synchronization

/// The master's side of `lutf shell`: the interactive prompt lists suites, shows and runs
/// scripts (each exactly as `lutf run` would, with its deadline and results), and stops the one
/// running when the user presses Ctrl-C. Suites are read from disk on every request, so edited
/// and new scripts are picked up without restarting.
public final class ShellService: Sendable {
    public let session: TestSession
    private let context: RunController.Context
    private let paths: [String]
    private let runner: TestRunner
    public let writer: ResultsWriter
    private let cancels: ShellCancels

    public init(
        context: RunController.Context, paths: [String], resultsDirectory: String, settings: RunSettings, runID: String
    )
        throws
    {
        self.context = context
        self.paths = paths
        let writer = try ResultsWriter(directory: resultsDirectory, suites: [])
        let cancels = ShellCancels()
        self.writer = writer
        self.runner = TestRunner(
            master: context.master, broker: context.broker, runtime: context.runtime, supervisor: context.supervisor,
            writer: writer, settings: settings, runID: runID, logger: context.logger, progress: { _ in },
            interruption: { cancels.active })
        self.cancels = cancels
        self.session = TestSession(
            id: "shell-\(runID)", run: runID, suite: "shell", key: "shell", script: "", callbacks: nil, params: [:],
            noClean: true,
            timeout: 1e9, directory: resultsDirectory)
        register()
    }

    /// The shell's operations, which only its own Python process can request.
    private func register() {
        func guarded(_ name: String, _ body: @escaping @Sendable (Value) async throws -> Value) {
            context.broker.register(name, for: session) { request, _, _ in try await body(request) }
        }
        guarded("shell_suites") { _ in .list(try await self.suites().map(Self.describe)) }
        guarded("shell_show") { request in
            let script = try await self.script(request)
            return .string((try? String(contentsOfFile: script.path, encoding: .utf8)) ?? "")
        }
        guarded("shell_run") { request in try await self.run(request) }
        guarded("shell_cancel") { request in
            self.cancels.cancel(request["rid"]?.stringValue ?? "")
            return true
        }
        guarded("shell_results") { _ in .string(self.writer.resultsYAML) }
    }

    func suites() async throws -> [Suite] {
        try await SuiteCatalog.discover(paths, runtime: context.runtime)
    }

    static func describe(_ suite: Suite) -> Value {
        [
            "name": .string(suite.name), "directory": .string(suite.directory),
            "scripts": .list(
                suite.scripts.map {
                    [
                        "key": .string($0.key), "path": .string($0.path),
                        "skip_list": .bool(suite.skipList.contains($0.key)),
                        "expected_failure": .bool(suite.expectedFailures.contains($0.key)),
                    ]
                }),
        ]
    }

    /// The suite `request` names (discovered afresh, so edits show).
    func suite(_ request: Value) async throws -> Suite {
        let name = request["suite"]?.stringValue ?? ""
        let all = try await suites()
        guard let suite = all.first(where: { $0.name == name }) else {
            throw LUTFError(.notFound, "no suite '\(name)' (suites: \(all.map(\.name).joined(separator: ", ")))")
        }
        return suite
    }

    /// The script `key` of `suite`.
    static func script(_ key: String, of suite: Suite) throws -> TestScript {
        guard let script = suite.scripts.first(where: { $0.key == key }) else {
            throw LUTFError(
                .notFound,
                "no script '\(key)' in suite \(suite.name) (scripts: \(suite.scripts.map(\.key).joined(separator: ", ")))"
            )
        }
        return script
    }

    func script(_ request: Value) async throws -> TestScript {
        try Self.script(request["key"]?.stringValue ?? "", of: try await suite(request))
    }

    /// Runs one script (`key`) or a whole suite and returns the results.
    func run(_ request: Value) async throws -> Value {
        var suite = try await suite(request)
        if let key = request["key"]?.stringValue { suite.scripts = [try Self.script(key, of: suite)] }
        let rid = request["rid"]?.stringValue ?? HostInfo.randomToken()
        cancels.begin(rid)
        defer { cancels.end() }
        var results: [Value] = []
        for script in suite.scripts where !cancels.activeIsCancelled {
            let result = await runner.run(script, of: suite)
            try? writer.record(result)
            results.append([
                "name": .string(script.fullName), "status": .string(result.label),
                "duration": .double((result.duration * 100).rounded() / 100), "error": .string(result.error),
                "details": result.details,
            ])
        }
        return .list(results)
    }
}

/// The shell's run requests, each with its own ``Interruption`` (Ctrl-C cancels one), and the
/// one running now; a cancel may arrive before its run has even started.
final class ShellCancels: Sendable {
    private let state = Mutex<(requests: [String: Interruption], active: String?)>(([:], nil))

    private func interruption(_ rid: String) -> Interruption {
        state.withLock { state in
            if let existing = state.requests[rid] { return existing }
            let made = Interruption()
            state.requests[rid] = made
            return made
        }
    }

    func cancel(_ rid: String) { interruption(rid).trigger(signal: SIGINT, name: "Ctrl-C in the shell") }
    func begin(_ rid: String) {
        _ = interruption(rid)
        state.withLock { $0.active = rid }
    }
    func end() {
        state.withLock { state in
            if let rid = state.active { state.requests[rid] = nil }
            state.active = nil
        }
    }

    /// The running request's interruption (one that never fires between requests).
    var active: Interruption {
        state.withLock { state in state.active.flatMap { state.requests[$0] } } ?? Interruption()
    }

    var activeIsCancelled: Bool { active.reason != nil }
}
