import ArgumentParser
import Foundation
import LUTFCore
import Logging
import UnixSignals

/// Options every long-running command shares.
struct LoggingOptions: ParsableArguments {
    @Option(
        name: .long,
        help: "Log level: trace, debug, info, notice, warning, error, critical (default: info, or $LUTF_LOG_LEVEL).")
    var logLevel: String?

    @Option(name: .long, help: "Append log lines to this file instead of standard error.")
    var logFile: String?

    func validate() throws {
        if let logLevel, LogSetup.level(logLevel) == nil {
            throw ValidationError(
                "--log-level must be one of trace, debug, info, notice, warning, error, critical; got '\(logLevel)'")
        }
    }

    /// Sets up logging and returns a logger labelled `label`.
    func bootstrap(_ label: String, defaultLevel: Logger.Level = .info) throws -> Logger {
        let env = ProcessInfo.processInfo.environment["LUTF_LOG_LEVEL"].flatMap(LogSetup.level)
        let level = logLevel.flatMap(LogSetup.level) ?? env ?? defaultLevel
        LogSetup.bootstrap(level: level, sink: try logFile.map { try LogSink.file($0) } ?? .standardError)
        return Logger(label: label)
    }
}

/// Runs a command body, turning an error into one line on standard error and an exit code: 2 for
/// usage, configuration and set-up errors, 1 for everything else.
func reportingErrors<T>(_ command: String, _ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as LUTFError {
        FileHandle.standardError.write(Data("lutf \(command): \(error.message)\n".utf8))
        throw ExitCode([.usage, .config, .setup].contains(error.code) ? 2 : 1)
    } catch let error as ExitCode {
        throw error
    } catch is CancellationError {
        throw ExitCode(130)
    } catch {
        FileHandle.standardError.write(Data("lutf \(command): \(error.localizedDescription)\n".utf8))
        throw ExitCode(1)
    }
}

var environment: [String: String] { ProcessInfo.processInfo.environment }

/// Runs `body` with SIGINT and SIGTERM watched: the first records itself in `interruption`
/// (the run records its running test "interrupted", keeps every finished one, stops its agents
/// and workers and returns), a second one cancels `body` outright. The caller exits with the
/// conventional status (130, 143) when a signal came.
func withSignals<T: Sendable>(
    _ interruption: Interruption, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            for await signal in await UnixSignalsSequence(trapping: .sigint, .sigterm) {
                if interruption.signal != nil {
                    FileHandle.standardError.write(Data("lutf: \(signal) again: stopping at once\n".utf8))
                    throw CancellationError()
                }
                FileHandle.standardError.write(
                    Data(
                        "lutf: \(signal): finishing the running test's record and stopping (again to stop at once)\n"
                            .utf8))
                interruption.trigger(signal: signal.rawValue, name: "\(signal)")
            }
            return nil
        }
        group.addTask { try await body() }
        defer { group.cancelAll() }
        while let next = try await group.next() {
            if let value = next { return value }
        }
        throw CancellationError()
    }
}

/// Writes a line to standard output at once (progress must not sit in a buffer).
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
