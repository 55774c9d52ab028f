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

    /// Runs the `lutf` binary with `arguments` and waits for it to end, at most `deadline`: past it,
    /// the child's process group (it runs in a session of its own) gets SIGTERM, then SIGKILL 2 s
    /// later, and the call throws a `timeout` error naming the command, so a hang fails its test
    /// instead of holding CI.
    public static func runLUTF(
        _ arguments: [String], environment extra: [String: String] = [:], input: String? = nil,
        executable: String? = nil, workingDirectory: String? = nil, deadline: Duration = .seconds(300)
    ) async throws -> Outcome {
        var env = ProcessInfo.processInfo.environment
        for (k, v) in extra { env[k] = v }
        var options = PlatformOptions()
        options.createSession = true
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .seconds(2))]
        let program = executable ?? binary
        let command = ([URL(fileURLWithPath: program).lastPathComponent] + arguments).joined(separator: " ")
        let limit = deadline.inSeconds
        let result = try await withTimeout(
            seconds: limit,
            orThrow: {
                LUTFError(.timeout, "`\(command)` did not end within \(limit.secondsText); killed its process group")
            }
        ) { [options, env] in
            try await Subprocess.run(
                .path(FilePath(program)), arguments: Arguments(arguments),
                environment: .exactly(env),
                workingDirectory: workingDirectory.map { FilePath($0) }, platformOptions: options,
                input: .string(input ?? ""), output: .string(limit: 16 << 20), error: .string(limit: 16 << 20))
        }
        let status: ExitStatus
        switch result.terminationStatus {
        case .exited(let code): status = .exited(code)
        case .signaled(let signal): status = .signalled(signal)
        }
        return Outcome(status: status, stdout: result.standardOutput, stderr: result.standardError)
    }
}
