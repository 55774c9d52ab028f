import Foundation
import LNetSim
import LUTFTesting
import Testing

/// One simulated node of a fabric, driven in process.
struct Node {
    var environment: [String: String]

    init(fabric: String, name: String, interfaces: String) {
        environment = [
            "LUTF_SIM_NODE": fabric + "/" + name, "LUTF_SIM_FABRIC": fabric + "/fabric",
            "LUTF_SIM_INTERFACES": interfaces, "LUTF_SIM_MAX_WAIT": "0.05",
        ]
    }

    @discardableResult
    func lnetctl(_ args: String...) -> SimOutput {
        LNetCtl.main(args, environment: environment, input: { nil })
    }
}

@Suite("NID lists")
struct NIDListTests {
    @Test(
        "ranges expand in written order",
        arguments: [
            ("4.4.4.[1-3]@tcp", ["4.4.4.1@tcp", "4.4.4.2@tcp", "4.4.4.3@tcp"]),
            ("1.2.[1-2].[3-4]@tcp", ["1.2.1.3@tcp", "1.2.1.4@tcp", "1.2.2.3@tcp", "1.2.2.4@tcp"]),
            ("1.1.1.[9,1-6/2]@tcp", ["1.1.1.9@tcp", "1.1.1.1@tcp", "1.1.1.3@tcp", "1.1.1.5@tcp"]),
            ("[6-12/4]@gni", ["6@gni", "10@gni"]),
            ("1.1.1.1@tcp,[5-6]@gni", ["1.1.1.1@tcp", "5@gni", "6@gni"]),
            ("1.1.1.[250-257]@tcp", (250...257).map { "1.1.1.\($0)@tcp" }),
        ])
    func expands(text: String, expected: [String]) throws {
        #expect(try NIDList.expand(text) == expected)
    }

    @Test(
        "malformed lists fail with the real tool's message",
        arguments: [
            ("1.1.1.1", "no valid NIDs in string"),
            ("1.1.1.[3-1]@tcp", "range is wrong order"),
            ("1.1.1.[1-3@tcp", "incomplete bracket set"),
            ("*@tcp", "asterisk not allowed in nidstring"),
        ])
    func rejects(text: String, fragment: String) {
        #expect {
            try NIDList.expand(text)
        } throws: { error in
            "\(error)".contains(fragment)
        }
    }
}

@Suite("lnetctl output")
struct LNetCtlOutputTests {
    @Test("net show prints libyaml's indent-6 layout")
    func netShow() throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        let node = Node(fabric: dir, name: "a", interfaces: "eth0=10.1.0.1")
        #expect(node.lnetctl("lnet", "configure").status == 0)
        #expect(node.lnetctl("net", "add", "--net", "tcp", "--if", "eth0").status == 0)
        let shown = node.lnetctl("net", "show")
        #expect(shown.status == 0)
        #expect(
            shown.stdout == """
                net:
                -     net type: lo
                      local NI(s):
                      -     nid: 0@lo
                            status: up
                -     net type: tcp
                      local NI(s):
                      -     nid: 10.1.0.1@tcp
                            status: up
                            interfaces:
                                  0: eth0

                """)
    }

    @Test("kernel errors use the error block and exit 234")
    func errorBlock() throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        let node = Node(fabric: dir, name: "a", interfaces: "eth0=10.1.0.1")
        node.lnetctl("lnet", "configure")
        let bad = node.lnetctl("net", "add", "--net", "foo", "--if", "eth0")
        #expect(bad.status == 234)
        #expect(
            bad.stderr == """
                ---
                add:
                -     net:
                      errno: -2
                      descr: ! "cannot parse net"
                ...

                """)
        let missing = node.lnetctl("net", "add", "--if", "eth0")
        #expect(missing.status == 234)
        #expect(missing.stdout.contains("missing mandatory parameters in NI config: 'network'"))
    }

    @Test("a stopped LNet refuses configuration with errno -108")
    func notRunning() throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        let node = Node(fabric: dir, name: "a", interfaces: "eth0=10.1.0.1")
        let result = node.lnetctl("net", "add", "--net", "tcp", "--if", "eth0")
        #expect(result.status == 234)
        #expect(result.stderr.contains("errno: -108"))
    }
}

@Suite("fabric")
struct FabricTests {
    @Test("nodes on one net reach each other until a link goes down")
    func reachability() throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        let a = Node(fabric: dir, name: "a", interfaces: "eth0=10.1.0.1")
        let b = Node(fabric: dir, name: "b", interfaces: "eth0=10.1.0.2")
        for node in [a, b] {
            #expect(node.lnetctl("lnet", "configure").status == 0)
            #expect(node.lnetctl("net", "add", "--net", "tcp", "--if", "eth0").status == 0)
        }
        let ping = a.lnetctl("ping", "10.1.0.2@tcp")
        #expect(ping.status == 0, "\(ping.stderr)")
        #expect(ping.stdout.contains("10.1.0.2@tcp"))
        // The ping created a peer for b on a.
        #expect(a.lnetctl("peer", "list").stdout.contains("10.1.0.2@tcp"))

        let simulated = try SimNode.fromEnvironment(b.environment)
        try simulated.modify { state in
            state.downInterfaces = ["eth0"]
            _ = simulated.interfaces(state: state)
        }
        let failed = a.lnetctl("ping", "10.1.0.2@tcp", "--timeout", "1")
        #expect(failed.status == 255)
        #expect(failed.stdout.contains("manage:\n- ping:\n  errno: -"), "\(failed.stdout)")

        // Another net is never reachable without a route.
        let c = Node(fabric: dir, name: "c", interfaces: "eth0=10.1.0.3")
        c.lnetctl("lnet", "configure")
        c.lnetctl("net", "add", "--net", "tcp1", "--if", "eth0")
        #expect(a.lnetctl("ping", "10.1.0.3@tcp1").status != 0)
    }
}

@Suite("node state")
struct NodeStateTests {
    @Test("concurrent invocations on one node lose no update")
    func concurrentUpdates() throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        let node = Node(fabric: dir, name: "a", interfaces: "eth0=10.1.0.1")
        node.lnetctl("lnet", "configure")
        let count = 32
        DispatchQueue.concurrentPerform(iterations: count) { i in
            node.lnetctl("peer", "add", "--prim_nid", "10.9.0.\(i + 1)@tcp")
        }
        let listed = node.lnetctl("peer", "list").stdout
        let primaries = listed.split(separator: "\n").filter { $0.contains("nid: 10.9.0.") }
        #expect(primaries.count == count, "\(listed)")
    }
}
