import Foundation
import LUTFCore
import LUTFTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// LUTF under the real auster: lustre-release's own `auster`, `test-framework.sh` and `yaml.sh`
/// (a `lustre/tests` directory named by `$LUTF_LUSTRE_TESTS`; `scripts/test` extracts one from a
/// lustre-release tree it finds), with `scripts/lutf.sh` installed in it as `lutf.sh` and the
/// ordinary one-host configuration `cfg/local.sh`. The only stand-ins are for what needs a kernel:
/// an `lsmod` that lists libcfs and lnet, a `modprobe` that does nothing, `auster -N` (no Lustre
/// set-up) and simulated LNet.
let lustreTests: String? = {
    guard let dir = ProcessInfo.processInfo.environment["LUTF_LUSTRE_TESTS"], !dir.isEmpty,
        FileManager.default.isExecutableFile(atPath: dir + "/auster")
    else { return nil }
    return dir
}()

@Suite(
    "the real auster runs lutf.sh: LUTF's subtests in auster's own results.yml", .serialized,
    .enabled(if: lustreTests != nil, "LUTF_LUSTRE_TESTS names no lustre/tests directory with auster"),
    .timeLimit(.minutes(5))
)
struct AusterTests {
    static let host = String(HostInfo.hostname.prefix { $0 != "." })

    /// A copy of the Lustre test directory with lutf.sh in it, and the stand-ins' directory.
    struct Tree {
        let tests: String
        let stubs: String

        init() throws {
            let base = try TestSupport.makeTemporaryDirectory("lutf-auster")
            tests = base + "/lustre/tests"
            stubs = base + "/stubs"
            let fm = FileManager.default
            try fm.createDirectory(atPath: base + "/lustre", withIntermediateDirectories: true)
            try fm.copyItem(atPath: lustreTests!, toPath: tests)
            try? fm.removeItem(atPath: tests + "/lutf.sh")
            try fm.copyItem(atPath: RunTests.repository + "/scripts/lutf.sh", toPath: tests + "/lutf.sh")
            try fm.createDirectory(atPath: stubs, withIntermediateDirectories: true)
            for (name, text) in [
                (
                    "lsmod",
                    "#!/bin/sh\necho 'Module                  Size  Used by'\necho 'lnet 1 0'\necho 'libcfs 1 1 lnet'\n"
                ),
                ("modprobe", "#!/bin/sh\nexit 0\n"),
            ] {
                try text.write(toFile: stubs + "/" + name, atomically: true, encoding: .utf8)
                try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: stubs + "/" + name)
            }
        }

        /// `auster -N -D LOGDIR ARGS` with `-f local` unless ARGS name a configuration; returns
        /// what it printed, its results.yml parsed strictly, and the log directory.
        func auster(_ arguments: [String], environment: [String: String] = [:]) async throws
            -> (outcome: TestSupport.Outcome, results: Value, yaml: String, logdir: String)
        {
            let logdir = try TestSupport.makeTemporaryDirectory("lutf-auster-logs") + "/logs"
            var env = [
                "PATH": stubs + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
                "LUTF": TestSupport.binary, "LUTF_LNET": "simulated", "LUTF_SUITES": RunTests.samples,
            ]
            for (k, v) in environment { env[k] = v }
            let config = arguments.contains("-f") ? [] : ["-f", "local"]
            let outcome = try await TestSupport.runLUTF(
                config + ["-N", "-v", "-D", logdir] + arguments, environment: env, executable: tests + "/auster",
                workingDirectory: tests, deadline: .seconds(240))
            let yaml = (try? String(contentsOfFile: logdir + "/results.yml", encoding: .utf8)) ?? ""
            let results = try YAMLText.decode(yaml)
            return (outcome, results, yaml, logdir)
        }
    }

    /// auster's `lutf` entry in a results.yml (the only entry, as the run had one suite).
    static func lutfEntry(_ results: Value) -> Value? {
        let tests = results["Tests"]?.listValue ?? []
        #expect(tests.count == 1, "\(tests)")
        return tests.first { $0["name"]?.stringValue == "lutf" }
    }

    static func subtests(_ entry: Value?) -> [(name: String, status: String)] {
        (entry?["SubTests"]?.listValue ?? []).map {
            ($0["name"]?.stringValue ?? "", $0["status"]?.stringValue ?? "")
        }
    }

    @Test(
        "all pass is PASS, all skip is SKIP, a failure is FAIL: every subtest in auster's own entry, strict YAML, auster's log names"
    )
    func statuses() async throws {
        let tree = try Tree()
        let pass = try await tree.auster(["lutf", "--only", "sample_01,sample_03"])
        let said = pass.outcome.stdout + pass.outcome.stderr
        let entry = Self.lutfEntry(pass.results)
        #expect(entry?["status"]?.stringValue == "PASS", "\(said)\n\(pass.yaml)")
        #expect(
            Self.subtests(entry).map(\.name) == ["test_samples_sample_01", "test_samples_sample_03"], "\(pass.yaml)")
        #expect(Self.subtests(entry).allSatisfy { $0.status == "PASS" }, "\(pass.yaml)")
        for item in entry?["SubTests"]?.listValue ?? [] {
            #expect(item.mapValue.map { Array($0.keys) } == ["name", "status", "duration", "return_code", "error"])
        }
        // One host has every role its variables give it (cfg/local.sh: all facets on this host).
        #expect(said.contains("mds1=\(HostInfo.hostname) (MDS MGS OSS client"), "\(said)")
        let files = try FileManager.default.contentsOfDirectory(atPath: pass.logdir)
        #expect(files.contains("lutf.suite_log.\(Self.host).log"), "\(files)")
        #expect(files.contains("lutf.test_samples_sample_01.test_log.\(Self.host).log"), "\(files)")

        let skip = try await tree.auster(["lutf", "--only", "sample_04"])
        let skipped = Self.lutfEntry(skip.results)
        #expect(skipped?["status"]?.stringValue == "SKIP", "\(skip.yaml)")
        #expect(Self.subtests(skipped).map(\.status) == ["SKIP"], "\(skip.yaml)")

        let fail = try await tree.auster(
            ["lutf", "--only", "bare_assert"], environment: ["LUTF_SUITES": RunTests.fixtures + "/suite_failures"])
        let failed = Self.lutfEntry(fail.results)
        #expect(failed?["status"]?.stringValue == "FAIL", "\(fail.yaml)")
        #expect(Self.subtests(failed).map(\.status) == ["FAIL"], "\(fail.yaml)")
        #expect(failed?["SubTests"]?.listValue?.first?["return_code"]?.intValue == 1, "\(fail.yaml)")
    }

    @Test("selection as auster passes it: --only, --except, SUITE= and the --suite that auster rewrites to -S")
    func selection() async throws {
        let tree = try Tree()
        let except = try await tree.auster(
            ["lutf", "--except", "sample_02,sample_04"], environment: ["SUITE": "samples"])
        // Excluded tests are reported SKIP, as a bash suite's are.
        let subtests = Self.subtests(Self.lutfEntry(except.results))
        #expect(subtests.count == 14, "\(except.yaml)")
        let excluded = (Self.lutfEntry(except.results)?["SubTests"]?.listValue ?? []).filter {
            $0["name"]?.stringValue == "test_samples_sample_02"
        }
        #expect(excluded.first?["status"]?.stringValue == "SKIP", "\(except.yaml)")
        #expect(excluded.first?["error"]?.stringValue == "skipping excluded test sample_02", "\(except.yaml)")

        let suite = try await tree.auster(["lutf", "--suite", "samples"])
        let said = suite.outcome.stdout + suite.outcome.stderr
        #expect(Self.subtests(Self.lutfEntry(suite.results)).count == 14, "\(said)\n\(suite.yaml)")
        #expect(said.contains("auster turned '--suite samples' into '-S samples'"), "\(said)")
    }

    @Test(
        "on three hosts (network namespaces with sshd) from an ordinary config file: one agent per host, every subtest in auster's entry",
        .enabled(if: geteuid() == 0))
    func threeHosts() async throws {
        let tree = try Tree()
        try await VirtualClusterTests().withVirtualCluster("vf", base: 137) { _ in
            let state = "/run/lutf-cluster-vf"
            let options = "StrictHostKeyChecking=no UserKnownHostsFile=/dev/null LogLevel=ERROR"
            let ssh =
                "ssh -i \(state)/id_ed25519 " + options.split(separator: " ").map { "-o \($0)" }.joined(separator: " ")
            // What a site's config holds: its hosts and how to reach them (auster's PDSH), and
            // LUTF's own settings; then the defaults of cfg/local.sh.
            let config = """
                mds_HOST=10.137.0.1
                ost_HOST=10.137.0.2
                CLIENTS=10.137.0.3
                RCLIENTS=10.137.0.3
                PDSH="\(ssh) -l root"
                MASTER_ADDRESS=10.137.0.254:\(18_000 + 137)
                LUTF_SSH_USER=root
                LUTF_SSH_IDENTITY=\(state)/id_ed25519
                LUTF_SSH_OPTIONS="\(options)"
                LUTF_LNET=simulated
                LUTF_SIM_FABRIC=\(state)/fabric
                . $LUSTRE/tests/cfg/local.sh

                """
            try config.write(toFile: tree.tests + "/cfg/three.sh", atomically: true, encoding: .utf8)
            let run = try await tree.auster(
                ["-f", "three", "lutf", "--except", "barrier_death"],
                environment: ["LUTF_SUITES": RunTests.fixtures + "/suite_sync"])
            let said = run.outcome.stdout + run.outcome.stderr
            let entry = Self.lutfEntry(run.results)
            #expect(entry?["status"]?.stringValue == "PASS", "\(said)\n\(run.yaml)")
            let subtests = Dictionary(uniqueKeysWithValues: Self.subtests(entry).map { ($0.name, $0.status) })
            #expect(
                subtests == [
                    "test_sync_barrier": "PASS", "test_sync_event_ping": "PASS", "test_sync_events_async": "PASS",
                    "test_sync_barrier_death": "SKIP",
                ], "\(run.yaml)")
            #expect(said.contains("agents: mds1=10.137.0.1 (MDS MGS; also mgs), ost1=10.137.0.2 (OSS"), "\(said)")
            #expect(said.contains("client1=10.137.0.3 (client)"), "\(said)")
        }
    }

    @Test(
        "a missing lutf binary, a results.yml in the wrong state, a host whose agent cannot be reached: one line each, and auster records FAIL"
    )
    func badInput() async throws {
        let tree = try Tree()
        let missing = try await tree.auster(["lutf"], environment: ["LUTF": "/nonexistent/lutf"])
        let said = missing.outcome.stdout + missing.outcome.stderr
        #expect(Self.lutfEntry(missing.results)?["status"]?.stringValue == "FAIL", "\(said)\n\(missing.yaml)")
        #expect(said.contains("lutf.sh: no lutf binary at /nonexistent/lutf"), "\(said)")

        // A results.yml whose last entry is already closed (auster's close written, or another
        // suite's entry last): LUTF refuses before any test, and adds nothing to it.
        let closed = try TestSupport.makeTemporaryDirectory("lutf-auster-closed") + "/results.yml"
        let closedText = "Tests:\n-\n        name: lutf\n        SubTests:\n        duration: 1\n        status: PASS\n"
        try closedText.write(toFile: closed, atomically: true, encoding: .utf8)
        let refused = try await tree.auster(
            ["lutf", "--only", "sample_01"], environment: ["LUTF_RUN_OPTIONS": "--auster-yaml \(closed)"])
        let why = refused.outcome.stdout + refused.outcome.stderr
        #expect(Self.lutfEntry(refused.results)?["status"]?.stringValue == "FAIL", "\(why)\n\(refused.yaml)")
        #expect(
            why.contains("auster's results \(closed): its last entry, 'lutf', is already closed (it has a status)"),
            "\(why)")
        #expect(try String(contentsOfFile: closed, encoding: .utf8) == closedText)

        // Agents started over ssh where this host runs no ssh server: the agent cannot be reached.
        let unreachable = try await tree.auster(
            ["lutf", "--only", "sample_01"],
            environment: ["LUTF_VIA": "ssh", "LUTF_SSH_OPTIONS": "ConnectTimeout=5 Port=1"])
        let told = unreachable.outcome.stdout + unreachable.outcome.stderr
        #expect(Self.lutfEntry(unreachable.results)?["status"]?.stringValue == "FAIL", "\(told)\n\(unreachable.yaml)")
        #expect(told.contains("lutf launch: agents did not join within"), "\(told)")
        #expect(told.contains("mds1 (exited with exit status 255: ssh:"), "\(told)")
    }
}
