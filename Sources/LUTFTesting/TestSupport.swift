import Foundation
import LUTFCore
import LUTFWire
import Subprocess
import SystemPackage

/// Finding the built `lutf` binary, scratch directories, and waiting for conditions.
public enum TestSupport {
    /// The `lutf` executable under test: `$LUTF_BINARY`, else the one built next to the test bundle.
    public static var binary: String {
        if let path = ProcessInfo.processInfo.environment["LUTF_BINARY"] { return path }
        let exe =
            HostInfo.executablePath
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // Inside an .xctest bundle directory on some platforms.
        if dir.lastPathComponent.hasSuffix(".xctest") { dir = dir.deletingLastPathComponent() }
        return dir.appendingPathComponent("lutf").path
    }

    /// A new empty directory under the system temporary directory.
    public static func makeTemporaryDirectory(_ prefix: String = "lutf-test") throws -> String {
        try HostInfo.makeTemporaryDirectory(prefix)
    }

    /// Polls `condition` every 20 ms until it holds; throws a `timeout` error naming `what` if it
    /// does not within `seconds`.
    public static func waitUntil(
        _ what: String, within seconds: Double, _ condition: () async throws -> Bool
    ) async throws {
        let start = Monotonic.nanoseconds()
        while true {
            if try await condition() { return }
            if Monotonic.secondsSince(start) > seconds {
                throw LUTFError(.timeout, "waited \(seconds.secondsText) for \(what)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The outcome of running `lutf` to completion.
    public struct Outcome: Sendable {
        public var status: ExitStatus
        public var stdout: String
        public var stderr: String
    }

    /// Runs the `lutf` binary with `arguments` and waits for it to end.
    public static func runLUTF(
        _ arguments: [String], environment extra: [String: String] = [:], input: String? = nil,
        executable: String? = nil, workingDirectory: String? = nil
    ) async throws -> Outcome {
        var env = ProcessInfo.processInfo.environment
        for (k, v) in extra { env[k] = v }
        let result = try await Subprocess.run(
            .path(FilePath(executable ?? binary)), arguments: Arguments(arguments),
            environment: .exactly(env),
            workingDirectory: workingDirectory.map { FilePath($0) },
            input: .string(input ?? ""), output: .string(limit: 16 << 20), error: .string(limit: 16 << 20))
        let status: ExitStatus
        switch result.terminationStatus {
        case .exited(let code): status = .exited(code)
        case .signaled(let signal): status = .signalled(signal)
        }
        return Outcome(status: status, stdout: result.standardOutput, stderr: result.standardError)
    }
}
