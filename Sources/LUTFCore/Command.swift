import Foundation
import Subprocess
import SystemPackage

/// Short commands run to completion (tools, `tar`, `ip`, `lutf` itself), as opposed to the
/// supervised long-running children of ``ProcessSupervisor``.
public enum Command {
    /// Runs `executable` (a path, or a name looked up in `$PATH`) and returns its standard output.
    ///
    /// - Throws: `code` naming the command, how it ended and what it printed, when it fails.
    @discardableResult
    public static func run(
        _ executable: String, _ args: [String], environment: [String: String]? = nil,
        failure code: LUTFError.Code = .failure
    ) async throws -> String {
        let result = try await Subprocess.run(
            executable.contains("/") ? .path(FilePath(executable)) : .name(executable), arguments: Arguments(args),
            environment: environment.map { .exactly($0) } ?? .inherit, output: .string(limit: 64 << 20),
            error: .string(limit: 1 << 20))
        guard result.terminationStatus.isSuccess else {
            let printed = (result.standardError + result.standardOutput).trimmingCharacters(in: .whitespacesAndNewlines)
            throw LUTFError(
                code, "\(([executable] + args).joined(separator: " ")) failed (\(result.terminationStatus)): \(printed)"
            )
        }
        return result.standardOutput
    }

    /// `tool` on `PATH` (or `tool` itself when it is a path), or `nil` when no directory of `PATH`
    /// has it.
    public static func find(_ tool: String) -> String? {
        if tool.contains("/") { return FileManager.default.isExecutableFile(atPath: tool) ? tool : nil }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// The path of `tool` in `$PATH` (for APIs that need a path), else `/usr/bin/TOOL`.
    public static func which(_ tool: String) -> String {
        find(tool) ?? "/usr/bin/\(tool)"
    }
}

extension Command {
    /// Runs `executable` and returns its standard output as bytes.
    ///
    /// - Throws: `code` naming the command, how it ended and what it printed, when it fails.
    public static func runData(
        _ executable: String, _ args: [String], failure code: LUTFError.Code = .failure
    ) async throws -> Data {
        let result = try await Subprocess.run(
            executable.contains("/") ? .path(FilePath(executable)) : .name(executable), arguments: Arguments(args),
            output: .bytes(limit: 1 << 30), error: .string(limit: 1 << 20))
        guard result.terminationStatus.isSuccess else {
            throw LUTFError(
                code,
                "\(([executable] + args).joined(separator: " ")) failed (\(result.terminationStatus)): \(result.standardError)"
            )
        }
        return Data(result.standardOutput)
    }
}
