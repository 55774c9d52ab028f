import Foundation
import LUTFCore
import LUTFTesting
import Testing

@Suite("the lutf command line", .timeLimit(.minutes(5)))
struct CommandLineTests {
    @Test("keygen writes a 0600 key, refuses to overwrite, and --force replaces it")
    func keygen() async throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        let path = dir + "/k"
        let first = try await TestSupport.runLUTF(["keygen", path])
        #expect(first.status == .exited(0))
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let key = try String(contentsOfFile: path, encoding: .utf8)
        #expect(key.trimmingCharacters(in: .whitespacesAndNewlines).count == 64)
        let again = try await TestSupport.runLUTF(["keygen", path])
        #expect(again.status == .exited(2))
        #expect(again.stderr == "lutf keygen: \(path) already exists; pass --force to replace it\n")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == key)
        let forced = try await TestSupport.runLUTF(["keygen", "--force", path])
        #expect(forced.status == .exited(0))
        #expect(try String(contentsOfFile: path, encoding: .utf8) != key)
    }

    @Test("a bad configuration file stops the master with one line naming file, line and key")
    func badConfig() async throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        let config = dir + "/master.yaml"
        try "config:\n  type: master\n  mport: eighty\n".write(toFile: config, atomically: true, encoding: .utf8)
        _ = try await TestSupport.runLUTF(["keygen", dir + "/k"])
        let outcome = try await TestSupport.runLUTF(["master", "--config", config, "--key", dir + "/k"])
        #expect(outcome.status == .exited(2))
        #expect(
            outcome.stderr
                == "lutf master: config \(config) line 3: 'mport' must be a port number (0-65535), got \"eighty\"\n")
    }

    @Test("missing key and missing master address are usage errors that say how to fix them")
    func missingSettings() async throws {
        let outcome = try await TestSupport.runLUTF(
            ["master", "--listen", "127.0.0.1:0"], environment: ["LUTF_KEY": ""])
        #expect(outcome.status == .exited(2))
        #expect(outcome.stderr.contains("no cluster key: pass --key FILE, set LUTF_KEY"))
        let agent = try await TestSupport.runLUTF(
            ["agent", "--name", "x"], environment: ["LUTF_MASTER": "", "LUTF_KEY": ""])
        #expect(agent.status == .exited(2))
        #expect(agent.stderr.contains("no master address"))
    }

    @Test("status against a master that is not there fails with one line")
    func statusUnreachable() async throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        _ = try await TestSupport.runLUTF(["keygen", dir + "/k"])
        let outcome = try await TestSupport.runLUTF(["status", "--master", "127.0.0.1:1", "--key", dir + "/k"])
        #expect(outcome.status == .exited(1))
        #expect(outcome.stderr == "lutf status: cannot connect to 127.0.0.1:1: Connection refused\n")
    }

    @Test(
        "every command has complete help",
        arguments: [
            ([], ["keygen", "master", "agent", "status", "bench"]),
            (["master"], ["--config", "--listen", "--key", "--heartbeat-interval", "mport", "LUTF_KEY"]),
            (["agent"], ["--master", "--name", "--role", "--key", "maddress", "LUTF_MASTER"]),
            (["status"], ["--master", "--format", "master_response"]),
            (["keygen"], ["--force", "0600"]),
        ])
    func help(_ command: [String], _ mentions: [String]) async throws {
        let outcome = try await TestSupport.runLUTF(command + ["--help"])
        #expect(outcome.status == .exited(0))
        for word in mentions {
            #expect(
                outcome.stdout.contains(word),
                "`lutf \(command.joined(separator: " ")) --help` does not mention \(word)")
        }
    }
}
