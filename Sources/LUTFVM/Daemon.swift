import Foundation
import LUTFCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// A detached LUTF process (the supervisor of a VM cluster after `lutf cluster up --vm` returns)
/// and the pipe it reports on.
///
/// The child runs in its own session with standard input from `/dev/null`, its output appended
/// to a log file, every signal at its default and unblocked, and the write end of a status pipe
/// as descriptor 3. It writes lines there (progress, then `ready ...` or `error ...`) and closes
/// it; the parent reads until end-of-file, which also comes if the child dies.
public enum Daemon {
    /// The descriptor a daemon writes its status lines to.
    public static let statusDescriptor: Int32 = 3

    /// Starts `executable arguments` detached; returns its pid and the read end of its status pipe.
    public static func spawn(_ executable: String, _ arguments: [String], log: String) throws(LUTFError) -> (
        pid: pid_t, status: Int32
    ) {
        let pipe = try HostInfo.makePipe()
        let ends = [pipe.read, pipe.write]
        defer { close(ends[1]) }
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_adddup2(&actions, ends[1], statusDescriptor)
        var none = sigset_t()
        var all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        // POSIX_SPAWN_SETSID (glibc 2.26) | SETSIGMASK | SETSIGDEF
        posix_spawnattr_setflags(&attributes, Int16(0x80 | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let environment = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in environment { free(pointer) } }
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, environment)
        guard result == 0 else {
            close(ends[0])
            throw LUTFError(.setup, "cannot start \(executable): \(String(cString: strerror(result)))")
        }
        return (pid, ends[0])
    }

    /// Reads status lines from `descriptor` until end-of-file (blocking, on NIO's thread pool),
    /// passing each to `line`; closes the descriptor.
    public static func readStatus(_ descriptor: Int32, line: @escaping @Sendable (String) -> Void) async throws {
        try await NIOThreadPool.singleton.runIfActive {
            defer { close(descriptor) }
            var pending: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(descriptor, &buffer, buffer.count)
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                for byte in buffer[0..<count] {
                    if byte == 0x0a {
                        line(String(decoding: pending, as: UTF8.self))
                        pending.removeAll()
                    } else {
                        pending.append(byte)
                    }
                }
            }
            if !pending.isEmpty { line(String(decoding: pending, as: UTF8.self)) }
        }
    }

    /// Writes one status line to the daemon's status descriptor (ignored when it is closed).
    public static func report(_ text: String) {
        let data = Array((text.replacingOccurrences(of: "\n", with: " ") + "\n").utf8)
        _ = data.withUnsafeBytes { write(statusDescriptor, $0.baseAddress, $0.count) }
    }

    /// Closes the status descriptor: the parent's read ends.
    public static func finishReporting() {
        close(statusDescriptor)
    }
}

/// A cluster's state directory and the lock its owner holds for as long as the cluster is up.
///
/// `DIR` is `/run/lutf-cluster-NAME` for root, else `$XDG_RUNTIME_DIR/lutf-cluster-NAME` (or
/// `/tmp/lutf-cluster-NAME-UID`); it is made 0700 and must belong to us. `DIR/lock` is locked
/// (flock) by the process that serves the cluster; the lock going away means that process is
/// gone.
public struct ClusterDirectory: Sendable {
    public let name: String
    public let path: String

    public init(name: String) {
        self.name = name
        if geteuid() == 0 {
            path = "/run/lutf-cluster-\(name)"
        } else if let runtime = ProcessInfo.processInfo.environment["XDG_RUNTIME_DIR"], !runtime.isEmpty {
            path = "\(runtime)/lutf-cluster-\(name)"
        } else {
            path = "/tmp/lutf-cluster-\(name)-\(geteuid())"
        }
    }

    var lockPath: String { path + "/lock" }
    public var exists: Bool { FileManager.default.fileExists(atPath: path) }

    /// What kind of cluster it holds (`vm`), if it says.
    public var kind: String? {
        (try? String(contentsOfFile: path + "/kind", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Makes the directory (0700), refusing one that exists and is in use; a stale one (no
    /// process holds its lock) is removed first.
    ///
    /// - Returns: whether a stale directory was removed.
    @discardableResult
    public func create(kind: String) throws(LUTFError) -> Bool {
        var removedStale = false
        if exists {
            if isLocked() {
                throw LUTFError(
                    .usage,
                    "cluster '\(name)' is already up (\(path)); remove it with: lutf cluster down --name \(name)")
            }
            guard kindIsRemovable else {
                throw LUTFError(
                    .usage,
                    "cluster '\(name)' is already up (\(path)); remove it with: lutf cluster down --name \(name)")
            }
            try? FileManager.default.removeItem(atPath: path)
            removedStale = true
        }
        guard mkdir(path, 0o700) == 0 else {
            throw LUTFError(.setup, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        try? kind.write(toFile: path + "/kind", atomically: true, encoding: .utf8)
        return removedStale
    }

    /// A VM cluster's directory can be taken over once its lock is free; others need `down`.
    private var kindIsRemovable: Bool { kind == "vm" }

    /// Whether some process holds the lock.
    public func isLocked() -> Bool {
        let descriptor = open(lockPath, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return false }
        return errno == EWOULDBLOCK
    }

    /// Takes the lock for the life of this process (the descriptor is never closed).
    public func holdLock() throws(LUTFError) {
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0, flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            throw LUTFError(.setup, "cannot lock \(lockPath): \(String(cString: strerror(errno)))")
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(descriptor, 0)
        _ = pid.withCString { write(descriptor, $0, strlen($0)) }
    }

    /// The pid written into the lock file by its holder.
    public var holder: pid_t? {
        (try? String(contentsOfFile: lockPath, encoding: .utf8)).flatMap {
            pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    /// Waits until no process holds the lock (blocking on NIO's thread pool), at most `seconds`.
    ///
    /// - Returns: whether the lock was released in time.
    public func waitForRelease(seconds: Double) async -> Bool {
        let path = lockPath
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return true }
        defer { close(descriptor) }
        return
            (try? await withTimeout(seconds: seconds) {
                try await NIOThreadPool.singleton.runIfActive {
                    while flock(descriptor, LOCK_EX) != 0 && errno == EINTR {}
                    return true
                }
            }) ?? false
    }

    /// Removes the directory.
    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
