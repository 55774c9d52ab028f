import Foundation
import LUTFCore
import LUTFTesting
import Testing

@Suite("configuration files", .timeLimit(.minutes(1)))
struct ConfigFileTests {
    static let keys = ["mport", "maddress", "name", "heartbeat_interval", "flag", "paths"]

    func write(_ text: String) throws -> String {
        let dir = try TestSupport.makeTemporaryDirectory()
        let path = dir + "/master.yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("valid file gives typed values")
    func valid() throws {
        let path = try write(
            """
            config:
              type: master
              mport: 9000
              maddress: 10.0.0.1
              heartbeat_interval: 0.5
              flag: true
              paths: [/a, /b]
            """)
        let file = try ConfigFile(path: path, type: "master", allowedKeys: Self.keys)
        #expect(try file.port("mport") == 9000)
        #expect(try file.string("maddress") == "10.0.0.1")
        #expect(try file.number("heartbeat_interval", in: 0.05...60) == 0.5)
        #expect(try file.bool("flag") == true)
        #expect(try file.stringList("paths") == ["/a", "/b"])
        #expect(try file.string("name") == nil)
    }

    struct BadCase: Sendable, CustomTestStringConvertible {
        var text: String
        var expected: [String]
        var testDescription: String { expected.joined(separator: " ") }
    }

    @Test(
        "errors name the file, the line and the key",
        arguments: [
            BadCase(
                text: "config:\n  type: master\n  mport: eighty\n",
                expected: ["line 3", "'mport'", "port number", "\"eighty\""]),
            BadCase(text: "config:\n  mport: 70000\n", expected: ["line 2", "'mport'"]),
            BadCase(
                text: "config:\n  type: master\n\n  mprot: 1\n", expected: ["line 4", "unknown key 'mprot'", "mport"]),
            BadCase(text: "config:\n  type: agent\n", expected: ["line 2", "'type' is 'agent'"]),
            BadCase(text: "mport: 1\n", expected: ["expected a 'config:' mapping"]),
            BadCase(
                text: "config:\n  heartbeat_interval: fast\n", expected: ["line 2", "'heartbeat_interval'", "number"]),
            BadCase(text: "config:\n  mport: [1\n  name: x\n", expected: ["line"]),
            BadCase(text: "config:\n  mport: 1\n  mport: 2\n", expected: ["line 3", "'mport' is given twice"]),
        ])
    func errors(_ bad: BadCase) throws {
        let path = try write(bad.text)
        do {
            let file = try ConfigFile(path: path, type: "master", allowedKeys: Self.keys)
            _ = try file.port("mport")
            _ = try file.number("heartbeat_interval", in: 0.05...60)
            Issue.record("expected an error for \(bad.text)")
        } catch {
            #expect(error.code == .config)
            #expect(error.message.hasPrefix("config \(path)"), "\(error.message)")
            for fragment in bad.expected {
                #expect(error.message.contains(fragment), "'\(fragment)' not in: \(error.message)")
            }
        }
    }

    @Test("a missing file is a one-line error naming it")
    func missing() {
        #expect {
            try ConfigFile(path: "/nonexistent/lutf.yaml", type: "master", allowedKeys: [])
        } throws: { error in
            "\(error)" == "config /nonexistent/lutf.yaml: No such file or directory"
        }
    }

    @Test("a directory, or a file that is not UTF-8, is a one-line error saying so, never Foundation's text")
    func notAFile() throws {
        let directory = try TestSupport.makeTemporaryDirectory()
        #expect {
            try ConfigFile(path: directory, type: "master", allowedKeys: [])
        } throws: { error in
            "\(error)" == "config \(directory) is a directory, not a file"
        }
        try Data([0x63, 0x3a, 0xff, 0x0a]).write(to: URL(fileURLWithPath: directory + "/bad.yaml"))
        #expect {
            try ConfigFile(path: directory + "/bad.yaml", type: "master", allowedKeys: [])
        } throws: { error in
            "\(error)" == "config \(directory)/bad.yaml is not UTF-8 text"
        }
    }
}

@Suite("addresses and roles", .timeLimit(.minutes(1)))
struct HostPortTests {
    @Test(
        "HOST:PORT forms",
        arguments: [
            ("10.0.0.1:9000", "10.0.0.1", 9000), ("node7", "node7", 8494), ("[::1]:7", "::1", 7),
            ("[fe80::1]", "fe80::1", 8494),
            ("localhost:0", "localhost", 0),
        ])
    func parse(_ text: String, _ host: String, _ port: Int) throws {
        let parsed = try HostPort(parsing: text, defaultPort: 8494, what: "--master")
        #expect(parsed.host == host)
        #expect(parsed.port == port)
    }

    @Test("bad addresses are usage errors naming the option", arguments: [":80", "host:eighty", "host:70000", "[::1"])
    func bad(_ text: String) {
        #expect {
            try HostPort(parsing: text, defaultPort: 8494, what: "--master")
        } throws: { error in
            (error as? LUTFError)?.code == .usage && "\(error)".hasPrefix("--master:")
        }
    }

    @Test(
        "roles follow auster's names",
        arguments: [
            ("mds1", "MDS"), ("mgs", "MGS"), ("ost2", "OSS"), ("client1", "client"), ("RCLIENTS2", "client"),
            ("rtr1", "router"), ("x", ""),
        ])
    func roles(_ name: String, _ role: String) {
        #expect(Roles.derive(fromName: name) == role)
    }
}

@Suite("cluster files", .timeLimit(.minutes(1)))
struct ClusterFileTests {
    func write(_ text: String) throws -> String {
        let path = try TestSupport.makeTemporaryDirectory() + "/cluster.yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("an agent's roles and aliases are read (a host with several of auster's facets); via: local is accepted")
    func rolesAndAliases() throws {
        let file = try ClusterFile(
            path: try write(
                """
                cluster:
                  master: 127.0.0.1:8494
                  via: local
                  agents:
                    - name: mds1
                      host: localhost
                      roles: [MDS, MGS, OSS, client]
                      aliases: [mgs, ost1, client1]
                    - name: oss2
                """))
        #expect(file.via == "local")
        #expect(file.agents.map(\.role) == ["MDS,MGS,OSS,client", "OSS"])
        #expect(file.agents.first?.aliases == ["mgs", "ost1", "client1"])
        // Written back as lutf launch hands it on.
        let again = try ClusterFile(path: try write(file.yaml))
        #expect(again.agents == file.agents && again.via == "local")
    }

    @Test(
        "role with roles, and roles or aliases that are not a list of names, are errors naming the line",
        arguments: [
            ("roles: [MDS]\n      role: MDS", "give 'role' or 'roles', not both"),
            ("roles: MDS", "'roles' must be a list of names"),
            ("aliases: [mgs, [x]]", "'aliases' must be a list of names"),
        ])
    func badRoles(_ entry: String, _ message: String) throws {
        let path = try write("cluster:\n  master: 127.0.0.1:8494\n  agents:\n    - name: mds1\n      \(entry)\n")
        #expect {
            try ClusterFile(path: path)
        } throws: { error in
            let text = "\(error)"
            return (error as? LUTFError)?.code == .config && text.contains("line 4") && text.contains(message)
        }
    }
}
