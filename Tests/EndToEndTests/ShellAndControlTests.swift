import Foundation
import LUTFCore
import LUTFTesting
import LUTFWire
import Testing
import ZIPFoundation

@Suite("lutf shell and the control API", .serialized, .timeLimit(.minutes(5)))
struct ShellAndControlTests {
    static let fixtures = RunTests.fixtures

    @Test("the shell through a pipe: suites, a run, results, and a reload after editing a script")
    func pipedShell() async throws {
        // A private copy of a suite, edited between runs.
        let root = try TestSupport.makeTemporaryDirectory()
        let suite = root + "/suite_edit"
        try FileManager.default.createDirectory(atPath: suite, withIntermediateDirectories: true)
        try "def run():\n    return {'status': 'PASS', 'version': 1}\n".write(
            toFile: suite + "/test_changing.py", atomically: true, encoding: .utf8)
        let script = """
            print(sorted(lutf.suites.list()))
            print(sorted(lutf.suites['edit'].scripts))
            print(sorted(a.name for a in lutf.agents()))
            first = lutf.suites['edit'].scripts['changing'].run()
            print('first', first['status'], first['details']['version'])
            open('\(suite)/test_changing.py', 'w').write("def run():\\n    return {'status': 'FAIL', 'error': 'version 2'}\\n")
            open('\(suite)/test_added.py', 'w').write("def run():\\n    pass\\n")
            lutf.suites.reload()
            print(sorted(lutf.suites['edit'].scripts))
            second = lutf.suites['edit'].scripts['changing'].reload().run()
            print('second', second['status'], second['error'])
            print('results', lutf.results().count('name: test_changing'))

            """
        let outcome = try await TestSupport.runLUTF(
            ["shell", root, "--agents", "2", "--results", root + "/results"], input: script)
        #expect(outcome.status == .exited(0), "\(outcome.stderr)")
        let lines = outcome.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("['edit']"), "\(outcome.stdout)")
        #expect(lines.contains("['changing']"))
        #expect(lines.contains("['mds1', 'oss1']"))
        #expect(lines.contains { $0.hasPrefix("edit/changing PASS") })
        #expect(lines.contains("first PASS 1"), "\(outcome.stdout)")
        #expect(lines.contains("['added', 'changing']"), "\(outcome.stdout)")
        #expect(lines.contains("second FAIL version 2"), "\(outcome.stdout)")
        #expect(lines.contains("results 2"), "\(outcome.stdout)")
    }

    @Test("the shell in a terminal: banner, history, Ctrl-C stops the running test, Ctrl-D leaves")
    func terminalShell() async throws {
        let session = "lutf-test-\(HostInfo.randomToken(bytes: 4))"
        let tmux = "/usr/bin/tmux"
        func send(_ keys: String...) async throws {
            _ = try await TestSupport.runLUTF(["send-keys", "-t", session] + keys, executable: tmux)
        }
        func screen() async throws -> String {
            try await TestSupport.runLUTF(["capture-pane", "-p", "-t", session, "-S", "-100"], executable: tmux).stdout
        }
        let command = "\(TestSupport.binary) shell \(Self.fixtures) --agents 1; echo SHELL-EXIT=$?; sleep 30"
        let started = try await TestSupport.runLUTF(
            ["new-session", "-d", "-s", session, "-x", "160", "-y", "60", command], environment: ["TERM": "xterm"],
            executable: tmux)
        try #require(started.status == .exited(0), "tmux: \(started.stderr)")
        func interact() async throws {
            do {
                try await TestSupport.waitUntil("the banner and prompt", within: 30) {
                    let text = try await screen()
                    return text.contains("LUTF shell:") && text.contains(">>>")
                }
            } catch {
                Issue.record("screen: \(try await screen())")
                throw error
            }
            try await send("x = lutf.suites['shell'].scripts['slow'].run()", "Enter")
            try await TestSupport.waitUntil("the command to be read", within: 20) {
                try await screen().contains("scripts['slow'].run()")
            }
            try await send("C-c")
            try await TestSupport.waitUntil("Ctrl-C to stop the test", within: 20) {
                try await screen().contains("interrupted: the test was stopped")
            }
            try await send("print('alive', x)", "Enter")
            try await TestSupport.waitUntil("the prompt to answer", within: 10) {
                try await screen().contains("alive None")
            }
            // History: Up recalls the last line.
            try await send("Up", "Enter")
            try await TestSupport.waitUntil("the recalled line to run again", within: 10) {
                try await screen().components(separatedBy: "alive None").count == 3
            }
            try await send("C-d")
            try await TestSupport.waitUntil("the shell to exit cleanly", within: 30) {
                try await screen().contains("SHELL-EXIT=0")
            }
        }
        // The session (and the shell with its cluster) goes whatever happened.
        do {
            try await interact()
        } catch {
            _ = try? await TestSupport.runLUTF(["kill-session", "-t", session], executable: tmux)
            throw error
        }
        _ = try? await TestSupport.runLUTF(["kill-session", "-t", session], executable: tmux)
    }

    @Test("the shell against a running master: suites, a run in its own run, whose workers go when it leaves")
    func remoteShell() async throws {
        try await withTestCluster { cluster in
            try await cluster.startMasterProcess(extraArguments: [
                "--suites", Self.fixtures, "--results-dir", cluster.directory + "/results",
            ])
            try await cluster.startAgent("mds1")
            let master = try await cluster.masterAddress.description
            let script = """
                print(sorted(lutf.suites.list()))
                r = lutf.suites['queue'].scripts['quick'].run()
                print('quick', r['status'])
                env = lutf.get_environment()
                print('run', env['LUTF_RUN'], '/shell-' in env['LUTF_RESULTS'])

                """
            let outcome = try await TestSupport.runLUTF(
                ["shell", "--master", master, "--key", cluster.keyPath], input: script)
            #expect(outcome.status == .exited(0), "\(outcome.stdout)\n\(outcome.stderr)")
            let lines = outcome.stdout.split(separator: "\n").map(String.init)
            #expect(lines.contains { $0.contains("'queue'") }, "\(outcome.stdout)")
            #expect(lines.contains("quick PASS"), "\(outcome.stdout)")
            let run = lines.first { $0.hasPrefix("run ") }?.split(separator: " ")
            #expect(run?.last == "True", "\(outcome.stdout)")
            // Leaving the shell ends its run: the agent's Python worker for it stops.
            let marker = "LUTF_RUN=\(run?.dropFirst().first ?? "?")"
            try await TestSupport.waitUntil("the shell's Python worker on mds1 to stop", within: 10) {
                let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
                return !pids.contains { pid in
                    guard Int(pid) != nil, let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ")
                    else { return false }
                    return environ.split(separator: 0).contains { String(decoding: $0, as: UTF8.self) == marker }
                }
            }
        }
    }

    @Test("control API: submit, wait, collect, unzip; runs queue; a malformed test file is refused")
    func controlAPI() async throws {
        try await withTestCluster { cluster in
            let results = cluster.directory + "/results"
            try await cluster.startMasterProcess(extraArguments: ["--suites", Self.fixtures, "--results-dir", results])
            try await cluster.startAgent("mds1")
            let master = try await cluster.masterAddress.description
            let common = ["--master", master, "--key", cluster.keyPath]
            let bad = cluster.directory + "/bad.yaml"
            try "config:\n  type: tests-scripts\n  tests: {0: nosuch}\n".write(
                toFile: bad, atomically: true, encoding: .utf8)
            let refused = try await TestSupport.runLUTF(["submit", "--tests", bad] + common)
            #expect(refused.status == .exited(1))
            #expect(refused.stderr.contains("unknown suite 'nosuch'"), "\(refused.stderr)")
            let broken = cluster.directory + "/broken.yaml"
            try "config: [unclosed\n".write(toFile: broken, atomically: true, encoding: .utf8)
            let unparsable = try await TestSupport.runLUTF(["submit", "--tests", broken] + common)
            #expect(unparsable.status == .exited(2))
            #expect(unparsable.stderr.hasPrefix("lutf submit: test file \(broken) line"), "\(unparsable.stderr)")
            // A path, or a directory, where a suite name belongs: refused naming it.
            let path = cluster.directory + "/path.yaml"
            try "config:\n  type: tests-scripts\n  tests: [/etc]\n".write(
                toFile: path, atomically: true, encoding: .utf8)
            let pathRefused = try await TestSupport.runLUTF(["submit", "--tests", path] + common)
            #expect(pathRefused.status == .exited(1))
            #expect(
                pathRefused.stderr.contains("'/etc' in 'tests' is not a suite name or SUITE/TEST"),
                "\(pathRefused.stderr)")
            let directoryRefused = try await TestSupport.runLUTF(["submit", "--tests", cluster.directory] + common)
            #expect(
                directoryRefused.stderr == "lutf submit: test file \(cluster.directory) is a directory, not a file\n")
            // A run id that would leave the results directory.
            for id in ["..", ".", ".hidden", "a/b"] {
                let traversal = cluster.directory + "/traversal.yaml"
                try "config:\n  type: tests-scripts\n  testsID: '\(id)'\n  tests: [queue]\n".write(
                    toFile: traversal, atomically: true, encoding: .utf8)
                let refusedID = try await TestSupport.runLUTF(["submit", "--tests", traversal] + common)
                #expect(refusedID.status == .exited(1), "\(id): \(refusedID.stdout)")
                #expect(refusedID.stderr.contains("'testsID' must be a plain name"), "\(id): \(refusedID.stderr)")
            }

            func file(_ id: String, _ tests: String) throws -> String {
                let path = cluster.directory + "/\(id).yaml"
                try "config:\n  type: tests-scripts\n  testsID: \(id)\n  timeout: 60\n  tests:\n\(tests)".write(
                    toFile: path, atomically: true, encoding: .utf8)
                return path
            }
            let slow = try await TestSupport.runLUTF(
                ["submit", "--tests", try file("slow", "    0: queue/takes_a_second\n")] + common)
            #expect(slow.stdout == "slow\n", "\(slow.stderr)")
            let quick = try await TestSupport.runLUTF(
                ["submit", "--tests", try file("quick", "    0: queue/quick\n")] + common)
            #expect(quick.stdout == "quick\n")
            // The second run waits for the first.
            let client = ControlClient(
                master: try await cluster.masterAddress, key: cluster.key, logger: TestCluster.quietLogger)
            let queued = try await client.request(["op": "collect_results", "id": "quick"])
            #expect(["queued", "running"].contains(queued["state"]?.stringValue ?? ""), "\(queued)")
            let waited = try await TestSupport.runLUTF(
                ["submit", "--wait", "--tests", try file("whole", "    0: queue\n")] + common)
            #expect(waited.status == .exited(0), "\(waited.stderr)")
            #expect(waited.stdout.hasPrefix("whole\n2 tests: 2 passed"), "\(waited.stdout)")
            let slowState = try await client.request(["op": "collect_results", "id": "slow"])
            #expect(slowState["state"] == "finished")
            let quickState = try await client.request(["op": "collect_results", "id": "quick"])
            #expect(quickState["state"] == "finished")

            let collected = try await TestSupport.runLUTF(
                ["collect", "slow", "--output", cluster.directory + "/out"] + common)
            #expect(collected.status == .exited(0), "\(collected.stderr)")
            let zip = cluster.directory + "/out/slow.zip"
            #expect(collected.stdout == zip + "\n")
            let archive = try Archive(url: URL(fileURLWithPath: zip), accessMode: .read)
            guard let entry = archive["slow/results.yml"] else {
                Issue.record("no results.yml in \(archive.map(\.path))")
                return
            }
            var text = Data()
            _ = try archive.extract(entry) { text.append($0) }
            let parsed = try YAMLText.decode(String(decoding: text, as: UTF8.self))
            let subtest = parsed["Tests"]?[0]?["SubTests"]?[0]
            #expect(subtest?["name"] == "test_takes_a_second")
            #expect(subtest?["status"] == "PASS")
            #expect(slowState["results"]?["Tests"]?[0]?["name"] == "lutf-queue")

            let unknown = try await TestSupport.runLUTF(["collect", "nope"] + common)
            #expect(unknown.status == .exited(1))
            #expect(unknown.stderr.contains("no run 'nope'"), "\(unknown.stderr)")
        }
    }
}
