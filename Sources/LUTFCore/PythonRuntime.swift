import Foundation
import Subprocess
import Synchronization

/// Where LUTF's files are (the `python/` package and the bundled `suites/`), and which Python
/// interpreter runs test scripts.
public struct PythonRuntime: Sendable {
    /// The real interpreter, by absolute path (never a slow launcher shim).
    public var interpreter: String
    /// The directory holding the `lutf` package (LUTF's `python/` directory).
    public var packageParent: String
    /// LUTF's home: the directory holding `python/` and `suites/`.
    public var home: String

    /// The bundled suites directory.
    public var bundledSuites: String { home + "/suites" }

    /// The suite paths a command works on: `paths`, else `$LUTF_SUITES`, else the bundled suites.
    public func suitePaths(_ paths: [String], environment: [String: String]) -> [String] {
        paths.isEmpty ? [defaultSuites(environment: environment)] : paths
    }

    /// `$LUTF_SUITES`, else the bundled suites.
    public func defaultSuites(environment: [String: String]) -> String {
        environment["LUTF_SUITES"].flatMap { $0.isEmpty ? nil : $0 } ?? bundledSuites
    }

    private static let cache = Mutex<PythonRuntime?>(nil)

    /// Finds LUTF's home and the interpreter, once per process.
    ///
    /// Home: `$LUTF_HOME`, else the nearest directory above the `lutf` executable that holds
    /// `python/lutf/__init__.py`. Interpreter: `$LUTF_PYTHON`, else what `python3` on `PATH` says
    /// `sys.executable` is (asked once: `python3` may be a shim that is slow to start).
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) async throws
        -> PythonRuntime
    {
        if let cached = cache.withLock({ $0 }) { return cached }
        let home = try findHome(environment: environment)
        let interpreter: String
        if let given = environment["LUTF_PYTHON"], !given.isEmpty {
            interpreter = given
        } else {
            interpreter = try await resolveInterpreter(environment: environment)
        }
        let runtime = PythonRuntime(interpreter: interpreter, packageParent: home + "/python", home: home)
        cache.withLock { $0 = runtime }
        return runtime
    }

    static func findHome(environment: [String: String]) throws(LUTFError) -> String {
        let fm = FileManager.default
        if let home = environment["LUTF_HOME"], !home.isEmpty {
            guard fm.fileExists(atPath: home + "/python/lutf/__init__.py") else {
                throw LUTFError(.config, "LUTF_HOME=\(home) has no python/lutf/__init__.py")
            }
            return home
        }
        let exe = HostInfo.executablePath
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        for _ in 0..<6 {
            if fm.fileExists(atPath: dir.path + "/python/lutf/__init__.py") { return dir.path }
            if fm.fileExists(atPath: dir.path + "/share/lutf/python/lutf/__init__.py") {
                return dir.path + "/share/lutf"
            }
            dir = dir.deletingLastPathComponent()
        }
        throw LUTFError(
            .config,
            "cannot find LUTF's Python package (python/lutf) above \(exe); set LUTF_HOME to the directory holding python/ and suites/"
        )
    }

    static func resolveInterpreter(environment: [String: String]) async throws(LUTFError) -> String {
        do {
            let result = try await Subprocess.run(
                .name("python3"), arguments: ["-c", "import sys; print(sys.executable)"],
                environment: .exactly(environment),
                output: .string(limit: 4096), error: .string(limit: 4096))
            let path = result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            guard result.terminationStatus.isSuccess, path.hasPrefix("/") else {
                throw LUTFError(
                    .config,
                    "python3 -c 'import sys; print(sys.executable)' did not report an interpreter path (\(result.terminationStatus)): \(result.standardOutput)\(result.standardError)"
                )
            }
            return path
        } catch let error as LUTFError {
            throw error
        } catch {
            throw LUTFError(.config, "cannot run python3 (needed for test scripts): \(error); set LUTF_PYTHON")
        }
    }

    /// The environment of a Python process of LUTF: `PYTHONPATH` with the package first, the
    /// channel to connect to and the token to introduce itself with.
    public func environment(
        base: [String: String], channel: String, token: String, extraPaths: [String] = [],
        extra: [String: String] = [:]
    ) -> [String: String] {
        var env = base
        let existing = base["PYTHONPATH"].map { [$0] } ?? []
        env["PYTHONPATH"] = ([packageParent] + extraPaths + existing).joined(separator: ":")
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PYTHONUNBUFFERED"] = "1"
        // What a test prints reaches its log as it was, non-UTF-8 file names included.
        env["PYTHONIOENCODING"] = "utf-8:surrogateescape"
        env["LUTF_CHANNEL"] = channel
        env["LUTF_TOKEN"] = token
        env["LUTF_PYTHON"] = interpreter
        env["LUTF_HOME"] = home
        for (k, v) in extra { env[k] = v }
        return env
    }
}
