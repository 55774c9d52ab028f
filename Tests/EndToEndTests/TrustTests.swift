import Foundation
import LUTFCore
import LUTFTesting
import LUTFWire
import NIOCore
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// LUTF attacked, as another local user or an unlucky one would: planted directories, forged
/// results, keys others can read, daemons that escape, strings that are not UTF-8, a full disk,
/// signals and kill -9, connections that never register or lie before authenticating.
@Suite("trust: nobody in, nothing lost, nothing left running", .serialized, .timeLimit(.minutes(5)))
struct TrustTests {
    static let attack = RunTests.fixtures + "/suite_attack"

    /// Whether a process with `pid` is alive (not a zombie).
    static func alive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        return !stat[stat.index(after: close)...].hasPrefix(" Z")
    }

    /// The parent of `pid`.
    static func parent(of pid: Int32) -> Int32? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? Int32(fields[1]) : nil
    }

    /// The pids of processes whose command line holds `text`.
    static func processes(containing text: String) -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap(Int32.init).filter { pid in
            guard pid != getpid(), let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else {
                return false
            }
            return String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self).contains(text) && alive(pid)
        }
    }

    @Test("a work directory someone else could write, or owns, is refused; the default one is new and private")
    func workDirectories() async throws {
        try await withTestCluster { cluster in
            try await cluster.startMasterProcess()
            let open = cluster.directory + "/open"
            try FileManager.default.createDirectory(atPath: open, withIntermediateDirectories: true)
            chmod(open, 0o777)
            let master = try await cluster.masterAddress.description
            let refused = try await TestSupport.runLUTF(
                ["agent", "--master", master, "--name", "a1", "--key", cluster.keyPath, "--work-dir", open],
                environment: cluster.environment)
            #expect(refused.status == .exited(2))
            #expect(
                refused.stderr.contains("--work-dir \(open) has mode 777: others can write into it"),
                "\(refused.stderr)")
            let foreign = cluster.directory + "/foreign"
            try FileManager.default.createDirectory(atPath: foreign, withIntermediateDirectories: true)
            chown(foreign, 65534, 65534)
            let notOurs = try await TestSupport.runLUTF(
                ["agent", "--master", master, "--name", "a2", "--key", cluster.keyPath, "--work-dir", foreign],
                environment: cluster.environment)
            #expect(notOurs.status == .exited(2))
            #expect(notOurs.stderr.contains("belongs to uid 65534"), "\(notOurs.stderr)")
            // The default: a fresh directory with a random name, 0700.
            try await cluster.startAgent("a3")
            let mine = try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory()).filter {
                $0.hasPrefix("lutf-agent-a3-")
            }
            #expect(mine.count == 1, "\(mine)")
            var info = stat()
            #expect(stat(NSTemporaryDirectory() + "/" + (mine.first ?? ""), &info) == 0)
            #expect(info.st_mode & 0o777 == 0o700 && info.st_uid == geteuid())
        }
    }

    @Test("key files others can read, that are directories, or that are secrets given by mistake are refused")
    func keyFiles() async throws {
        let directory = try TestSupport.makeTemporaryDirectory()
        let key = directory + "/cluster.key"
        _ = try await TestSupport.runLUTF(["keygen", key])
        chmod(key, 0o644)
        let readable = try await TestSupport.runLUTF(["status", "--master", "127.0.0.1:1", "--key", key])
        #expect(readable.status == .exited(2))
        #expect(
            readable.stderr
                == "lutf status: key file \(key) has mode 644: others could read or replace the key; run chmod 600 \(key)\n"
        )
        let asDirectory = try await TestSupport.runLUTF(["status", "--master", "127.0.0.1:1", "--key", directory])
        #expect(asDirectory.stderr.contains("key file \(directory) is a directory"), "\(asDirectory.stderr)")
        let secret = "3f9a0c1d2e4b5a6978877665544332211"
        let leaked = try await TestSupport.runLUTF(["status", "--master", "127.0.0.1:1", "--key", secret])
        #expect(leaked.status == .exited(2))
        #expect(!leaked.stderr.contains(secret), "\(leaked.stderr)")
        #expect(leaked.stderr.contains("the value given is not shown"), "\(leaked.stderr)")
    }

    @Test("a remote function cannot record its test's result: the forgery is refused and logged, the test fails")
    func forgedResult() async throws {
        let results = try TestSupport.makeTemporaryDirectory() + "/results"
        let outcome = try await TestSupport.runLUTF([
            "run", "--agents", "1", Self.attack, "--only", "forge_result", "--results", results,
        ])
        #expect(outcome.status == .exited(1), "\(outcome.stdout)\n\(outcome.stderr)")
        let test = try RunTests.subtests(results)["test_forge_result"]
        #expect(test?.status == "FAIL")
        #expect(
            test?.error.contains("AssertionError: the script fails after the forgery: refused") == true,
            "\(test?.error ?? "")")
        let master = outcome.stdout + outcome.stderr
        #expect(master.contains("refused 'result' from agent 'mds1'"), "\(master)")
    }

    @Test("daemons a test starts (double fork, setsid), from its script or on an agent, end with the test")
    func daemonsEnd() async throws {
        let directory = try TestSupport.makeTemporaryDirectory()
        let marker = directory + "/daemon"
        let outcome = try await TestSupport.runLUTF([
            "run", "--agents", "1", Self.attack, "--only", "daemons", "--results", directory + "/results", "--param",
            "marker=\(marker)",
        ])
        #expect(outcome.status == .exited(0), "\(outcome.stdout)\n\(outcome.stderr)")
        for side in ["script", "agent"] {
            let pid = try #require(Int32(String(contentsOfFile: "\(marker).\(side)", encoding: .utf8)), "\(side)")
            try await TestSupport.waitUntil("the \(side)'s daemon \(pid) to end", within: 5) { !Self.alive(pid) }
        }
    }

    @Test("a string that is not UTF-8, returned and printed remotely beside another call, crosses intact (as U+FFFD)")
    func surrogates() async throws {
        let results = try TestSupport.makeTemporaryDirectory() + "/results"
        let outcome = try await TestSupport.runLUTF([
            "run", "--agents", "1", Self.attack, "--only", "surrogates", "--results", results,
        ])
        #expect(outcome.status == .exited(0), "\(outcome.stdout)\n\(outcome.stderr)")
        let rpc = try String(contentsOfFile: results + "/attack/test_surrogates/rpc.log", encoding: .utf8)
        #expect(rpc.contains("printed name-\u{FFFD}"), "\(rpc)")
        // The script's own output reaches its log as the bytes it printed.
        let output = try Data(contentsOf: URL(fileURLWithPath: results + "/attack/test_surrogates/output.log"))
        #expect(output.range(of: Data("script \u{FE}".utf8.prefix(7)) + [0xfe]) != nil)
    }

    @Test("a full disk is a failed run saying so, with what could be kept kept; results.zip is compressed")
    func fullDiskAndZip() async throws {
        guard geteuid() == 0 else { return }
        let directory = try TestSupport.makeTemporaryDirectory()
        let results = directory + "/results"
        try FileManager.default.createDirectory(atPath: results, withIntermediateDirectories: true)
        // A 200 KiB file system for the results: the 4 MB output cannot fit.
        let full = try await TestSupport.runLUTF(
            [
                "-m", "sh", "-c",
                "mount -t tmpfs -o size=200k tmpfs \(results) && exec \(TestSupport.binary) run --agents 1 \(Self.attack) --only big_output,forge_result --results \(results)/run",
            ], executable: "/usr/bin/unshare")
        #expect(full.status == .exited(1), "\(full.stdout)\n\(full.stderr)")
        #expect(full.stdout.contains("FAILED to record the results"), "\(full.stdout)")
        #expect(full.stdout.contains("No space left on device"), "\(full.stdout)")
        #expect(!full.stdout.contains("NSCocoaErrorDomain") && !full.stderr.contains("NSCocoaErrorDomain"))

        let roomy = directory + "/roomy"
        let zipped = try await TestSupport.runLUTF([
            "run", "--agents", "1", Self.attack, "--only", "big_output", "--results", roomy,
        ])
        #expect(zipped.status == .exited(0), "\(zipped.stdout)\n\(zipped.stderr)")
        let size = try FileManager.default.attributesOfItem(atPath: roomy + "/results.zip")[.size] as? Int ?? 0
        #expect(size > 0 && size < 400_000, "results.zip is \(size) bytes for 4 MB of repeated output")
    }

    @Test(
        "SIGTERM and SIGINT finish the running test's record and exit 143 / 130; kill -9 leaves no agent, worker or script behind"
    )
    func signals() async throws {
        for (signal, status) in [(SIGTERM, Int32(143)), (SIGINT, Int32(130))] {
            try await withTestCluster { cluster in
                let results = cluster.directory + "/results"
                let run = try await RunTests.startRun(
                    in: cluster, [RunTests.fixtures + "/suite_lifecycle", "--results", results, "--agents", "2"])
                try await TestSupport.waitUntil("a test to start", within: 30) {
                    FileManager.default.fileExists(atPath: results + "/results.yml")
                        && (try? String(contentsOfFile: results + "/results.yml", encoding: .utf8))?.contains("status:")
                            == true
                }
                try await run.signal(signal)
                let exit = try await withTimeout(seconds: 30) { try await run.waitForExit() }
                #expect(exit == .exited(status), "\(run.log)")
                let yaml = try String(contentsOfFile: results + "/results.yml", encoding: .utf8)
                #expect(yaml.contains("interrupted (SIG"), "\(yaml)")
                _ = try YAMLText.decode(yaml)
            }
        }
        try await withTestCluster { cluster in
            let results = cluster.directory + "/results"
            let run = try await RunTests.startRun(
                in: cluster, [RunTests.fixtures + "/suite_lifecycle", "--results", results, "--agents", "2"])
            let pid = try await run.pid
            var children: [Int32] = []
            try await TestSupport.waitUntil("the run's two agents to start", within: 30) {
                children = Self.processes(containing: "agent --master 127.0.0.1").filter { Self.parent(of: $0) == pid }
                return children.count == 2
            }
            kill(pid, SIGKILL)
            _ = try await run.waitForExit()
            try await TestSupport.waitUntil("the embedded agents to leave", within: 5) {
                children.allSatisfy { !Self.alive($0) }
            }
        }
    }

    @Test(
        "an authenticated connection that never registers is closed; a lying ERROR before authentication does not end an agent"
    )
    func registrationAndLies() async throws {
        try await withTestCluster { cluster in
            try await cluster.withInProcessMaster { _ in
                try await RawConnection.with(try await cluster.masterAddress) { connection in
                    _ = try await RawHandshake.perform(on: connection, key: cluster.key)
                    #expect(await connection.waitForClose(within: 15), "an unregistered connection was kept open")
                }
            }
        }
        // Whatever answers on the port says "wrong key" without proving anything: the agent
        // retries; only five such answers in a row end it.
        let liar = try await LyingServer.start()
        defer { liar.stop() }
        let directory = try TestSupport.makeTemporaryDirectory()
        _ = try await TestSupport.runLUTF(["keygen", directory + "/k"])
        let started = Monotonic.nanoseconds()
        let agent = try await TestSupport.runLUTF([
            "agent", "--master", "127.0.0.1:\(liar.port)", "--name", "victim", "--key", directory + "/k",
        ])
        #expect(agent.status == .exited(1), "\(agent.stderr)")
        #expect(liar.connections >= 5, "the agent believed \(liar.connections) lie(s)")
        #expect(agent.stderr.contains("5 times in a row: giving up"), "\(agent.stderr)")
        #expect(Monotonic.secondsSince(started) > 0.5)
    }

    @Test("malformed --param values and a configuration that is a directory are one-line errors")
    func badInput() async throws {
        let directory = try TestSupport.makeTemporaryDirectory()
        let unclosed = try await TestSupport.runLUTF(["run", "--param", "k=[unclosed"])
        #expect(unclosed.status == .exited(2))
        #expect(unclosed.stderr.hasPrefix("lutf run: --param k: '[unclosed' is not valid YAML"), "\(unclosed.stderr)")
        #expect(unclosed.stderr.split(separator: "\n").count == 1)
        let config = try await TestSupport.runLUTF(["master", "--config", directory])
        #expect(config.status == .exited(2))
        #expect(config.stderr == "lutf master: config \(directory) is a directory, not a file\n", "\(config.stderr)")
    }
}

/// A TCP server that answers every connection with an ERROR frame claiming authentication
/// failed, then closes it (what anything on the master's port could say).
final class LyingServer: Sendable {
    let port: Int
    private let descriptor: Int32
    private let count = Mutex(0)

    var connections: Int { count.withLock { $0 } }

    private init(port: Int, descriptor: Int32) {
        self.port = port
        self.descriptor = descriptor
    }

    static func start() async throws -> LyingServer {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        let server = LyingServer(port: Int(UInt16(bigEndian: address.sin_port)), descriptor: fd)
        let body = Array(
            JSONText.encodeString(["error": ["code": "auth", "message": "authentication failed (a lie)"]]).utf8)
        var frame = ByteBuffer()
        FrameHeader(version: 1, typeCode: MessageType.error.rawValue, flags: [], length: UInt32(body.count)).write(
            into: &frame)
        frame.writeBytes(body)
        let bytes = Array(frame.readableBytesView)
        Thread.detachNewThread {
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { return }
                server.count.withLock { $0 += 1 }
                _ = bytes.withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
                close(client)
            }
        }
        return server
    }

    func stop() {
        shutdown(descriptor, Int32(SHUT_RDWR))
        close(descriptor)
    }
}
