import Foundation
import LUTFCore
import LUTFTesting
import Testing

/// What the real-LNet tests need: QEMU, a kit, a static busybox and sshd.
enum RealLNet {
    static let kit: String = {
        if let kit = ProcessInfo.processInfo.environment["LUTF_LNET_KIT"], !kit.isEmpty { return kit }
        return URL(fileURLWithPath: RunTests.repository).deletingLastPathComponent().path + "/shared/lnet-kit"
    }()

    /// Why the real-LNet tests cannot run here, or nil.
    static let missing: String? = {
        let fm = FileManager.default
        if !fm.fileExists(atPath: kit + "/modules") { return "no LNet kit at \(kit) (set LUTF_LNET_KIT)" }
        if !fm.isExecutableFile(atPath: Command.which("qemu-system-x86_64")) { return "no qemu-system-x86_64" }
        if !fm.isExecutableFile(atPath: "/bin/busybox") { return "no /bin/busybox (busybox-static)" }
        if !fm.isExecutableFile(atPath: "/usr/sbin/sshd") { return "no /usr/sbin/sshd (openssh-server)" }
        return nil
    }()

    static var available: Bool { missing == nil }

    /// The pids of QEMU processes whose guest name starts with `prefix` (`lutf-run-`, `lutf-t1-`).
    static func qemus(named prefix: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return arguments.first?.hasSuffix("qemu-system-x86_64") == true
                && arguments.contains { $0.hasPrefix(prefix) }
        }
    }

    /// A writable copy of the kit (the shared one is read-only), changed by `change`.
    static func copiedKit(_ change: (String) throws -> Void) throws -> String {
        let copy = try TestSupport.makeTemporaryDirectory("lutf-kit") + "/kit"
        try FileManager.default.copyItem(atPath: kit, toPath: copy)
        try change(copy)
        return copy
    }

    /// The kit's kernel release (its modules directory).
    static var release: String {
        ((try? FileManager.default.contentsOfDirectory(atPath: kit + "/modules")) ?? []).first ?? "?"
    }
}

/// The kernel's real LNet in QEMU guests: `lutf run --vm`, `lutf cluster up --vm`, and what goes
/// wrong with kits and guests. Runs where QEMU and a kit are present (the real-LNet lane of
/// scripts/test), under TCG in a few minutes.
@Suite(
    "real LNet in QEMU guests", .serialized, .enabled(if: RealLNet.available, "needs QEMU and an LNet kit"),
    .timeLimit(.minutes(10)))
struct RealLNetTests {
    static let fixtures = RunTests.fixtures

    @Test(
        "one guest configures, pings and exports; two ping each other and run lst; a guest that dies fails its test, naming it, and the run goes on",
        .timeLimit(.minutes(8)))
    func suiteOnGuests() async throws {
        let results = try TestSupport.makeTemporaryDirectory() + "/results"
        let outcome = try await TestSupport.runLUTF(
            [
                "run", "--vm", "2", "--interfaces", "1", "--kit", RealLNet.kit, Self.fixtures + "/suite_vm",
                "--results",
                results,
            ], deadline: .seconds(420))
        #expect(outcome.status == .exited(1), "\(outcome.stdout)\n\(outcome.stderr)")
        #expect(outcome.stdout.contains("guests run under"), "\(outcome.stdout)")
        let subtests = try RunTests.subtests(results)
        #expect(subtests["test_1_one_node"]?.status == "PASS", "\(subtests["test_1_one_node"]?.error ?? "missing")")
        #expect(subtests["test_2_two_nodes"]?.status == "PASS", "\(subtests["test_2_two_nodes"]?.error ?? "missing")")
        let death = subtests["test_3_guest_dies"]
        #expect(death?.status == "FAIL")
        #expect(death?.error.contains("agent 'oss1' died") == true, "\(death?.error ?? "missing")")
        #expect(subtests["test_4_after_death"]?.status == "PASS", "\(subtests["test_4_after_death"]?.error ?? "")")
        #expect(RealLNet.qemus(named: "lutf-run-").isEmpty, "QEMU left running after the run")
    }

    @Test(
        "the real auster runs LUTF on three guests from an ordinary config file (PDSH through the cluster's ssh_config): real LNet, subtests in auster's entry",
        .enabled(if: lustreTests != nil, "LUTF_LUSTRE_TESTS names no lustre/tests directory with auster"),
        .timeLimit(.minutes(6)))
    func underAuster() async throws {
        let name = "t4"
        _ = try await TestSupport.runLUTF(["cluster", "down", "--name", name])
        let up = try await TestSupport.runLUTF([
            "cluster", "up", "--vm", "--nodes", "3", "--name", name, "--port", "18998", "--kit", RealLNet.kit,
        ])
        try #require(up.status == .exited(0), "\(up.stdout)\n\(up.stderr)")
        do {
            let state = "/run/lutf-cluster-\(name)"
            let file = try ClusterFile(path: state + "/cluster.yaml")
            #expect(file.sshConfig == state + "/ssh_config")
            // A site's config: its hosts, how auster reaches them, LUTF's settings for these guests.
            let config = """
                mds_HOST=mds1
                ost_HOST=oss1
                CLIENTS=client1
                RCLIENTS=client1
                PDSH="ssh -F \(state)/ssh_config"
                MASTER_ADDRESS=10.0.2.2:18998
                LUTF_LISTEN=127.0.0.1
                LUTF_SSH_CONFIG=\(state)/ssh_config
                LUTF_MISSED_HEARTBEATS=10
                LUTF_PYTHON=\(file.python ?? "python3")
                . $LUSTRE/tests/cfg/local.sh

                """
            let tree = try AusterTests.Tree()
            try config.write(toFile: tree.tests + "/cfg/guests.sh", atomically: true, encoding: .utf8)
            let run = try await tree.auster(
                ["-f", "guests", "lutf", "--only", "dynamic-discovery/01_ping_creates_peer,samples/sample_01"],
                environment: ["LUTF_LNET": "system"])
            let said = run.outcome.stdout + run.outcome.stderr
            let entry = AusterTests.lutfEntry(run.results)
            #expect(entry?["status"]?.stringValue == "PASS", "\(said)\n\(run.yaml)")
            #expect(
                AusterTests.subtests(entry).map(\.name) == [
                    "test_dynamic-discovery_01_ping_creates_peer", "test_samples_sample_01",
                ], "\(run.yaml)")
            #expect(AusterTests.subtests(entry).allSatisfy { $0.status == "PASS" }, "\(run.yaml)")
            #expect(said.contains("agents: mds1=mds1 (MDS MGS; also mgs), ost1=oss1 (OSS"), "\(said)")
        } catch {
            _ = try await TestSupport.runLUTF(["cluster", "down", "--name", name])
            throw error
        }
        let down = try await TestSupport.runLUTF(["cluster", "down", "--name", name])
        #expect(down.status == .exited(0), "\(down.stderr)")
        #expect(RealLNet.qemus(named: "lutf-t4-").isEmpty, "QEMU left running after cluster down")
    }

    @Test(
        "cluster up --vm prints a cluster file that lutf launch runs; a second up is refused; down removes every guest",
        .timeLimit(.minutes(5)))
    func upAndDown() async throws {
        let name = "t1"
        _ = try await TestSupport.runLUTF(["cluster", "down", "--name", name])
        let up = try await TestSupport.runLUTF([
            "cluster", "up", "--vm", "--nodes", "1", "--interfaces", "1", "--name", name, "--port", "18999", "--kit",
            RealLNet.kit,
        ])
        try #require(up.status == .exited(0), "\(up.stdout)\n\(up.stderr)")
        let path = try #require(
            up.stdout.split(separator: "\n").first { $0.hasPrefix("cluster file: ") }.map {
                String($0.dropFirst("cluster file: ".count))
            }, "\(up.stdout)")
        do {
            let file = try ClusterFile(path: path)
            #expect(file.master == HostPort(host: "10.0.2.2", port: 18999))
            #expect(file.lnet == "system")
            #expect(file.agents.map(\.name) == ["mds1"])
            #expect(file.agents.first?.interfaces == ["eth0"])
            #expect(file.agents.first?.sshPort != nil)

            let again = try await TestSupport.runLUTF([
                "cluster", "up", "--vm", "--nodes", "1", "--name", name, "--kit", RealLNet.kit,
            ])
            #expect(again.status == .exited(2))
            #expect(again.stderr.hasPrefix("lutf cluster up: cluster 't1' is already up"), "\(again.stderr)")

            let results = try TestSupport.makeTemporaryDirectory() + "/results"
            let launch = try await TestSupport.runLUTF([
                "launch", "--cluster", path, "--", Self.fixtures + "/suite_vm", "--only", "1_one_node", "--results",
                results,
            ])
            #expect(launch.status == .exited(0), "\(launch.stdout)\n\(launch.stderr)")
        } catch {
            _ = try await TestSupport.runLUTF(["cluster", "down", "--name", name])
            throw error
        }
        let down = try await TestSupport.runLUTF(["cluster", "down", "--name", name])
        #expect(down.status == .exited(0), "\(down.stderr)")
        #expect(!FileManager.default.fileExists(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path))
        #expect(RealLNet.qemus(named: "lutf-t1-").isEmpty, "QEMU left running after cluster down")
    }

    @Test(
        "a missing kit, a kit without lnet.ko, lnetctl or its kernel's modules, no guests or no qemu: one line each, nothing left behind",
        .timeLimit(.minutes(3)))
    func badKitsAndOptions() async throws {
        let incomplete = try RealLNet.copiedKit { kit in
            try FileManager.default.removeItem(atPath: kit + "/modules/\(RealLNet.release)/updates/lustre/lnet.ko")
        }
        let noTools = try RealLNet.copiedKit { kit in
            try FileManager.default.removeItem(atPath: kit + "/tools/sbin/lnetctl")
        }
        let otherKernel = try RealLNet.copiedKit { kit in
            try FileManager.default.moveItem(
                atPath: kit + "/modules/\(RealLNet.release)", toPath: kit + "/modules/6.1.0-99-amd64")
        }
        let cases: [(String, [String], String)] = [
            ("no kit", ["--vm", "1", "--kit", "/nonexistent/kit"], "--kit /nonexistent/kit: no such directory"),
            ("no guests", ["--vm", "0", "--kit", RealLNet.kit], "--vm must be from 1 to 16 guests, got 0"),
            (
                "no lnet.ko", ["--vm", "1", "--kit", incomplete],
                "no lnet.ko in modules/\(RealLNet.release)/updates/lustre"
            ),
            ("no lnetctl", ["--vm", "1", "--kit", noTools], "no tools/sbin/lnetctl"),
            (
                "another kernel", ["--vm", "1", "--kit", otherKernel],
                "the kernel is \(RealLNet.release) but there is no modules/\(RealLNet.release)/modules.dep (modules for: 6.1.0-99-amd64)"
            ),
        ]
        let before = try Self.temporaryStates()
        for (what, arguments, message) in cases {
            let outcome = try await TestSupport.runLUTF(["run"] + arguments + [Self.fixtures + "/suite_vm"])
            #expect(outcome.status == .exited(2), "\(what): \(outcome.stdout)\n\(outcome.stderr)")
            #expect(outcome.stderr.contains(message), "\(what): \(outcome.stderr)")
            #expect(outcome.stderr.split(separator: "\n").count == 1, "\(what): \(outcome.stderr)")
        }
        let noQemu = try await TestSupport.runLUTF(
            ["run", "--vm", "1", "--kit", RealLNet.kit, Self.fixtures + "/suite_vm"],
            environment: ["PATH": "/usr/bin/nonexistent"])
        #expect(noQemu.status == .exited(2), "\(noQemu.stdout)\n\(noQemu.stderr)")
        #expect(
            noQemu.stderr.contains("no qemu-system-x86_64: install qemu-system-x86 (scripts/setup does)"),
            "\(noQemu.stderr)")
        #expect(try Self.temporaryStates() == before, "a failed run left its state directory behind")
        #expect(RealLNet.qemus(named: "lutf-run-").isEmpty)
    }

    @Test(
        "a guest whose lnet does not load, one whose kernel panics and one too slow to boot are named with the guest's own words, and nothing is left",
        .timeLimit(.minutes(5)))
    func bootFailures() async throws {
        let brokenModule = try RealLNet.copiedKit { kit in
            let path = kit + "/modules/\(RealLNet.release)/updates/lustre/lnet.ko"
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            try FileManager.default.removeItem(atPath: path)
            try data.prefix(4096).write(to: URL(fileURLWithPath: path))
        }
        let cases: [(String, [String], String)] = [
            ("lnet does not load", ["--kit", brokenModule], "guest mds1: modprobe lnet: "),
            ("kernel panic", ["--kit", RealLNet.kit, "--append", "rdinit=/nonexistent"], "kernel panic"),
            ("too slow", ["--kit", RealLNet.kit, "--boot-timeout", "2"], "guest mds1 did not boot within 2.0 s"),
        ]
        for (what, arguments, message) in cases {
            let outcome = try await TestSupport.runLUTF(
                ["cluster", "up", "--vm", "--nodes", "1", "--interfaces", "1", "--name", "t2"] + arguments)
            #expect(outcome.status == .exited(2), "\(what): \(outcome.stdout)\n\(outcome.stderr)")
            #expect(outcome.stderr.contains(message), "\(what): \(outcome.stderr)")
            #expect(!ClusterDirectoryProbe.exists("t2"), "\(what): the state directory was left behind")
            #expect(RealLNet.qemus(named: "lutf-t2-").isEmpty, "\(what): QEMU left running")
        }
    }

    /// The `lutf-vm-*` state directories of runs in the temporary directory.
    static func temporaryStates() throws -> Set<String> {
        Set(
            try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory()).filter {
                $0.hasPrefix("lutf-vm-")
            })
    }
}

/// Where `lutf cluster up` keeps a cluster's state (root: /run).
enum ClusterDirectoryProbe {
    static func exists(_ name: String) -> Bool {
        let uid = getuid()
        let path =
            uid == 0
            ? "/run/lutf-cluster-\(name)"
            : (ProcessInfo.processInfo.environment["XDG_RUNTIME_DIR"].map { "\($0)/lutf-cluster-\(name)" }
                ?? "/tmp/lutf-cluster-\(name)-\(uid)")
        return FileManager.default.fileExists(atPath: path)
    }
}
