import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Facts about the machine this process runs on.
public enum HostInfo {
    /// The host name (short or full, as the kernel has it).
    public static var hostname: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Names that mean this host: `localhost`, its loopback addresses, its host name, short and
    /// full.
    public static var localNames: Set<String> {
        let name = hostname
        return ["localhost", "127.0.0.1", "::1", name, String(name.prefix { $0 != "." })]
    }

    public static var pid: Int { Int(getpid()) }

    /// A random token (hex), e.g. to tell one agent process from another.
    public static func randomToken(bytes: Int = 8) -> String {
        var rng = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef")
        var out = ""
        for _ in 0..<bytes {
            let b = UInt8.random(in: 0...255, using: &rng)
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xf)])
        }
        return out
    }

    /// The path of the running executable (`/proc/self/exe`; else how it was invoked).
    public static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Creates a new private (0700) directory `BASE/PREFIX-RANDOM` (BASE: `$TMPDIR` unless given)
    /// and returns its path: a directory this call made, never one that was there (as `mkdtemp`),
    /// so nobody else can have planted it or anything in it.
    public static func makeTemporaryDirectory(_ prefix: String, in directory: String? = nil) throws(LUTFError)
        -> String
    {
        let given = directory ?? NSTemporaryDirectory()
        let base = given.hasSuffix("/") ? given : given + "/"
        var template = Array((base + prefix + "-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else {
            throw LUTFError(
                .io, "cannot create a private directory in \(base): \(String(cString: strerror(errno)))")
        }
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Checks that `path` is a directory this process may trust with files it later runs: not a
    /// symbolic link, owned by this user, writable by nobody else; creates it (0700) when absent.
    ///
    /// - Throws: a `usage` error saying what is wrong (`--work-dir` names where the path came from).
    public static func trustedDirectory(_ path: String, what: String) throws(LUTFError) {
        var info = stat()
        if lstat(path, &info) != 0 {
            guard mkdir(path, 0o700) == 0 else {
                throw LUTFError(.usage, "\(what) \(path): cannot create it: \(String(cString: strerror(errno)))")
            }
            return
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw LUTFError(.usage, "\(what) \(path) is not a directory (or is a symbolic link)")
        }
        guard info.st_uid == geteuid() else {
            throw LUTFError(
                .usage,
                "\(what) \(path) belongs to uid \(info.st_uid), not to this user (uid \(geteuid())): another user could replace what LUTF runs from it"
            )
        }
        guard info.st_mode & 0o022 == 0 else {
            throw LUTFError(
                .usage,
                "\(what) \(path) has mode \(String(info.st_mode & 0o777, radix: 8)): others can write into it; use a directory only you can write (chmod go-w)"
            )
        }
    }

    /// A pipe whose two ends are closed on exec (children get only what is dup'ed to them).
    ///
    /// - Returns: the read and write ends.
    public static func makePipe() throws(LUTFError) -> (read: Int32, write: Int32) {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else {
            throw LUTFError(.io, "cannot make a pipe: \(String(cString: strerror(errno)))")
        }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        return (ends[0], ends[1])
    }

    /// Raises the open-file limit to the hard limit (a master with 1000 agents needs more than 1024).
    public static func raiseFileLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}
