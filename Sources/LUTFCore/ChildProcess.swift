import Foundation
import Subprocess
import Synchronization
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// How a child process ended.
public enum ExitStatus: Sendable, Equatable, CustomStringConvertible {
    case exited(Int32)
    case signalled(Int32)

    public var isSuccess: Bool { self == .exited(0) }

    public var description: String {
        switch self {
        case .exited(let code): return "exit status \(code)"
        case .signalled(let signal): return "killed by signal \(signal) (\(Self.signalName(signal)))"
        }
    }

    static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGKILL: return "SIGKILL"
        case SIGTERM: return "SIGTERM"
        case SIGINT: return "SIGINT"
        case SIGSEGV: return "SIGSEGV"
        case SIGABRT: return "SIGABRT"
        case SIGILL: return "SIGILL"
        case SIGBUS: return "SIGBUS"
        case SIGHUP: return "SIGHUP"
        default: return "signal \(signal)"
        }
    }
}

/// What to start: an executable, its arguments and environment, and where its output goes.
public struct ProcessSpec: Sendable {
    public var name: String
    public var executable: String
    public var arguments: [String]
    /// The complete environment of the child.
    public var environment: [String: String]
    public var workingDirectory: String?
    /// Standard output and error of the child are appended here (or discarded when `nil`).
    public var logPath: String?
    /// Seconds between SIGTERM to the child's process group and SIGKILL, when it is stopped.
    public var gracePeriod: Double = 2
    /// A file whose contents become the child's standard input (none when `nil`).
    public var inputFile: String?
    /// Give the child a lifeline: its standard input is a pipe whose other end only this process
    /// holds, so the child sees end-of-file the moment this process ends, however it ends
    /// (kill -9 included). Children that watch their standard input use it to die with us.
    public var lifeline = false
    /// Called with every complete line the child prints (after it is logged).
    public var onLine: (@Sendable (String) -> Void)?

    public init(
        name: String, executable: String, arguments: [String], environment: [String: String],
        workingDirectory: String? = nil, logPath: String? = nil, lifeline: Bool = false
    ) {
        self.name = name
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.logPath = logPath
        self.lifeline = lifeline
    }
}

/// A child process started by a ``ProcessSupervisor``: its own session and process group, its
/// output in a log file.
public final class ChildProcess: Sendable {
    public let spec: ProcessSpec
    private let pidBox = OneShot<Int32>()
    private let exitBox = OneShot<ExitStatus>()
    private let stopBox = OneShot<Void>()

    init(spec: ProcessSpec) {
        self.spec = spec
    }

    public var name: String { spec.name }

    /// The process id, once started.
    public var pid: Int32 {
        get async throws { try await pidBox.value }
    }

    /// How the process ended, once it has.
    public func waitForExit() async throws -> ExitStatus {
        try await exitBox.value
    }

    /// The exit status if the process has ended.
    public var exitStatus: ExitStatus? { exitBox.current }

    /// Sends `signal` to the process (not its group).
    public func signal(_ signal: Int32) async throws {
        let pid = try await pidBox.value
        if exitBox.current == nil { kill(pid, signal) }
    }

    /// Stops the process: SIGTERM to its process group, SIGKILL after the grace period; returns
    /// once it has ended.
    @discardableResult
    public func stop() async throws -> ExitStatus {
        stopBox.succeed(())
        return try await exitBox.value
    }

    /// The process's log so far (empty if it has none).
    public var log: String {
        guard let path = spec.logPath, let data = FileManager.default.contents(atPath: path) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Runs the process to its end. Cancellation of the calling task tears it down like ``stop()``.
    func run() async {
        let spec = self.spec
        var options = PlatformOptions()
        options.createSession = true
        let teardown: [TeardownStep] = [
            .gracefulShutDown(
                toProcessGroup: true, allowedDurationToNextStep: .milliseconds(Int(spec.gracePeriod * 1000)))
        ]
        options.teardownSequence = teardown
        let environment = Environment.exactly(spec.environment)
        let logHandle: FileHandle? = spec.logPath.flatMap { path in
            if !FileManager.default.fileExists(atPath: path) {
                _ = FileManager.default.createFile(atPath: path, contents: nil)
            }
            let handle = FileHandle(forWritingAtPath: path)
            handle?.seekToEndOfFile()
            return handle
        }
        defer { try? logHandle?.close() }
        var lifelineWriter: Int32 = -1
        defer { if lifelineWriter >= 0 { close(lifelineWriter) } }
        do {
            var inputDescriptor: FileDescriptor?
            if let inputFile = spec.inputFile {
                inputDescriptor = try FileDescriptor.open(FilePath(inputFile), .readOnly)
            } else if spec.lifeline {
                let ends = try HostInfo.makePipe()
                inputDescriptor = FileDescriptor(rawValue: ends.read)
                lifelineWriter = ends.write
            }
            let input: FileDescriptorInput? = inputDescriptor.map {
                .fileDescriptor($0, closeAfterSpawningProcess: true)
            }
            let result = try await Subprocess.run(
                .path(FilePath(spec.executable)), arguments: Arguments(spec.arguments), environment: environment,
                workingDirectory: spec.workingDirectory.map { FilePath($0) }, platformOptions: options,
                input: input
                    ?? .fileDescriptor(try FileDescriptor.open("/dev/null", .readOnly), closeAfterSpawningProcess: true),
                output: .sequence, error: .combinedWithOutput
            ) { execution in
                pidBox.succeed(execution.processIdentifier.value)
                await withTaskGroup(of: Void.self) { group in
                    group.addTask {
                        // Output ends when the process has exited (or closed its output).
                        var lines = LineSplitter()
                        do {
                            for try await chunk in execution.standardOutput {
                                chunk.withUnsafeBytes { bytes in
                                    if let logHandle { try? logHandle.write(contentsOf: Data(bytes)) }
                                    if let onLine = spec.onLine { lines.feed(bytes, onLine) }
                                }
                            }
                        } catch {}
                        if let onLine = spec.onLine { lines.finish(onLine) }
                        self.stopBox.succeed(())
                    }
                    group.addTask {
                        try? await self.stopBox.value
                        if self.exitBox.current == nil {
                            await execution.teardown(using: teardown)
                        }
                    }
                    await group.waitForAll()
                }
            }
            switch result.terminationStatus {
            case .exited(let code): exitBox.succeed(.exited(code))
            case .signaled(let signal): exitBox.succeed(.signalled(signal))
            }
        } catch {
            pidBox.fail(LUTFError(.io, "cannot start \(spec.name) (\(spec.executable)): \(error)"))
            exitBox.fail(LUTFError(.io, "cannot start \(spec.name) (\(spec.executable)): \(error)"))
        }
        stopBox.succeed(())
    }
}

/// Splits a byte stream into lines (without their newlines), however the chunks fall.
struct LineSplitter {
    private var pending: [UInt8] = []

    mutating func feed(_ bytes: UnsafeRawBufferPointer, _ line: (String) -> Void) {
        var start = 0
        for (index, byte) in bytes.enumerated() where byte == 0x0a {
            pending.append(contentsOf: bytes[start..<index])
            line(Self.text(pending))
            pending.removeAll(keepingCapacity: true)
            start = index + 1
        }
        pending.append(contentsOf: bytes[start...])
    }

    mutating func finish(_ line: (String) -> Void) {
        if !pending.isEmpty { line(Self.text(pending)) }
        pending = []
    }

    private static func text(_ bytes: [UInt8]) -> String {
        var text = String(decoding: bytes, as: UTF8.self)
        if text.hasSuffix("\r") { text.removeLast() }
        return text
    }
}

/// Starts child processes and owns their lifetime: every child started through it is torn down
/// (SIGTERM to its process group, then SIGKILL) when ``run()`` is cancelled.
///
/// Run ``run()`` in a task of the scope that owns the children (structured concurrency: no child
/// outlives it), and call ``start(_:)`` from anywhere in that scope.
public final class ProcessSupervisor: Sendable {
    private let requests: AsyncStream<ChildProcess>
    private let continuation: AsyncStream<ChildProcess>.Continuation
    private let children = Mutex<[ChildProcess]>([])

    public init() {
        (requests, continuation) = AsyncStream.makeStream()
    }

    /// Runs children until cancelled; then stops them all and returns when they have ended.
    public func run() async {
        await withDiscardingTaskGroup { group in
            for await child in requests {
                group.addTask {
                    await child.run()
                    // A long-lived supervisor (an agent's workers) must not keep every child ever run.
                    self.children.withLock { $0.removeAll { $0 === child } }
                }
            }
        }
    }

    /// Starts a process and returns once it has a pid.
    ///
    /// - Throws: an `io` error when it cannot be started (missing executable, ...).
    public func start(_ spec: ProcessSpec) async throws -> ChildProcess {
        let child = ChildProcess(spec: spec)
        children.withLock { $0.append(child) }
        continuation.yield(child)
        _ = try await child.pid
        return child
    }

    /// The children that have not ended yet.
    public var started: [ChildProcess] { children.withLock { $0 } }

    /// Stops every child still running, all at once.
    public func stopAll() async {
        await withDiscardingTaskGroup { group in
            for child in started where child.exitStatus == nil {
                group.addTask { _ = try? await child.stop() }
            }
        }
    }
}
