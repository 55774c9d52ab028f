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

    @discardableResult
    func lctl(_ args: String...) -> SimOutput {
        LCtl.main(args, environment: environment)
    }

    @discardableResult
    func lst(_ args: String...) -> SimOutput {
        LST.main(args, environment: environment.merging(["LST_SESSION": "1"]) { $1 })
    }

    /// The node's state as saved.
    func state() throws -> SimState {
        try SimNode.fromEnvironment(environment).load()
    }

    /// A configured node with `tcp` on eth0 and, given `tcp1`, `tcp1` on eth1.
    static func configured(_ fabric: String, _ name: String, _ interfaces: String, nets: [String]) -> Node {
        let node = Node(fabric: fabric, name: name, interfaces: interfaces)
        node.lnetctl("lnet", "configure")
        for net in nets { node.lnetctl("net", "add", "--net", net, "--if", net == "tcp" ? "eth0" : "eth1") }
        return node
    }

    /// The messages the NI `nid` received (its `recv_count`).
    func received(_ nid: String) throws -> Int {
        try state().allNIs.first { $0.nid.description == nid }?.counters.recvCount ?? -1
    }
}

@Suite("NID lists", .timeLimit(.minutes(1)))
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

@Suite("lnetctl output", .timeLimit(.minutes(1)))
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

@Suite("fabric", .timeLimit(.minutes(1)))
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

        try SimNode.fromEnvironment(b.environment).setLink("eth0", up: false)
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

@Suite("node state", .timeLimit(.minutes(1)))
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

    @Test(
        "a state file that cannot be decoded is an error naming it, never a silent reset",
        arguments: ["{\"nets\": [", "[]", ""])
    func unreadableState(contents: String) throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        let node = Node(fabric: dir, name: "a", interfaces: "eth0=10.1.0.1")
        #expect(node.lnetctl("lnet", "configure").status == 0)
        let path = dir + "/a/state.json"
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        for output in [node.lnetctl("net", "show"), node.lctl("list_nids"), node.lst("list_session")] {
            #expect(output.status != 0, "\(output.stdout)")
            #expect(
                output.stderr.contains(path) && output.stderr.contains("not a saved node state"), "\(output.stderr)")
            #expect(!output.stderr.dropLast().contains("\n"), "one line: \(output.stderr)")
        }
        // Nothing was written over it: the evidence stays for whoever looks.
        #expect(try String(contentsOfFile: path, encoding: .utf8) == contents)
    }
}

@Suite("routing", .timeLimit(.minutes(1)))
struct RoutingTests {
    /// client (tcp, 10.1.0.1) -- router (tcp 10.1.0.2 | tcp1 10.2.0.2) -- server (tcp1, 10.2.0.3);
    /// the client routes tcp1 through the router, which forwards; the server has no route.
    static func topology() throws -> (client: Node, router: Node, server: Node) {
        let dir = try TestSupport.makeTemporaryDirectory()
        let client = Node.configured(dir, "client", "eth0=10.1.0.1", nets: ["tcp"])
        let router = Node.configured(dir, "router", "eth0=10.1.0.2,eth1=10.2.0.2", nets: ["tcp", "tcp1"])
        let server = Node.configured(dir, "server", "eth1=10.2.0.3", nets: ["tcp1"])
        #expect(client.lnetctl("route", "add", "--net", "tcp1", "--gateway", "10.1.0.2@tcp").status == 0)
        #expect(router.lnetctl("set", "routing", "1").status == 0)
        return (client, router, server)
    }

    @Test("a routed reply needs the target's own route back; the target's peer is the originator")
    func routedReply() throws {
        let (client, router, server) = try Self.topology()
        let unanswered = client.lnetctl("ping", "10.2.0.3@tcp1", "--timeout", "1")
        #expect(unanswered.status == 255, "\(unanswered.stdout)")
        // Lost: the kernel gives up at the ping's timeout with -EIO.
        #expect(unanswered.stdout.contains("errno: -5\n"), "\(unanswered.stdout)")
        // The server got the GET and knows the client, though it could not answer.
        #expect(try server.received("10.2.0.3@tcp1") == 1)
        #expect(try server.state().peers.contains { $0.nis.contains { $0.nid.description == "10.1.0.1@tcp" } })

        #expect(server.lnetctl("route", "add", "--net", "tcp", "--gateway", "10.2.0.2@tcp1").status == 0)
        let answered = client.lnetctl("ping", "10.2.0.3@tcp1")
        #expect(answered.status == 0, "\(answered.stdout)")
        #expect(answered.stdout.contains("- nid: 10.2.0.3@tcp1"), "\(answered.stdout)")
        // The reply went back through the router: its tcp1 NI received it.
        #expect(try router.received("10.2.0.2@tcp1") == 1)
    }

    @Test("a router counts what it forwards in route_count/route_length, not send/recv_count")
    func routeStatistics() throws {
        let (client, router, server) = try Self.topology()
        server.lnetctl("route", "add", "--net", "tcp", "--gateway", "10.2.0.2@tcp1")
        // (Adding a route discovers its gateway: that traffic is counted before the ping.)
        let before = try [router, client, server].map { try $0.state().stats }
        #expect(client.lnetctl("ping", "10.2.0.3@tcp1").status == 0)
        let after = try [router, client, server].map { try $0.state().stats }
        func delta(_ node: Int, _ key: String) -> Int { after[node][key] - before[node][key] }
        // The GET (no payload) and the REPLY (the server's ping buffer: 16 bytes and 16 per NI,
        // lo and tcp1: 48) were forwarded.
        #expect(delta(0, "route_count") == 2)
        #expect(delta(0, "route_length") == 48)
        #expect(delta(0, "send_count") == 0 && delta(0, "recv_count") == 0, "\(after[0].values)")
        #expect(router.lnetctl("stats", "show").stdout.contains("    route_count: 2\n"))
        #expect(
            [1, 2].allSatisfy {
                delta($0, "route_count") == 0 && delta($0, "send_count") == 1 && delta($0, "recv_count") == 1
            })
    }

    @Test("route choice: priority, then fewer hops, then round robin")
    func routeChoice() throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        let client = Node.configured(dir, "client", "eth0=10.1.0.1", nets: ["tcp"])
        let first = Node.configured(dir, "r1", "eth0=10.1.0.2,eth1=10.2.0.2", nets: ["tcp", "tcp1"])
        let second = Node.configured(dir, "r2", "eth0=10.1.0.3,eth1=10.2.0.3", nets: ["tcp", "tcp1"])
        let server = Node.configured(dir, "server", "eth1=10.2.0.4", nets: ["tcp1"])
        for router in [first, second] { router.lnetctl("set", "routing", "1") }
        for gateway in ["10.2.0.2@tcp1", "10.2.0.3@tcp1"] {
            server.lnetctl("route", "add", "--net", "tcp", "--gateway", gateway)
        }
        // Counted from after the first routes' gateways were discovered (route add does that).
        var base = [0, 0]
        func forwarded() throws -> [Int] {
            try [first.received("10.1.0.2@tcp") - base[0], second.received("10.1.0.3@tcp") - base[1]]
        }
        func ping(_ times: Int) {
            for _ in 0..<times { #expect(client.lnetctl("ping", "10.2.0.4@tcp1").status == 0) }
        }
        // Same priority: the route with fewer hops wins, although added last.
        client.lnetctl("route", "add", "--net", "tcp1", "--gateway", "10.1.0.2@tcp", "--hop", "3")
        client.lnetctl("route", "add", "--net", "tcp1", "--gateway", "10.1.0.3@tcp", "--hop", "2")
        base = try forwarded()
        ping(2)
        #expect(try forwarded() == [0, 2])
        // Priority comes before hops.
        client.lnetctl("route", "del", "--net", "tcp1", "--gateway", "10.1.0.3@tcp")
        client.lnetctl("route", "add", "--net", "tcp1", "--gateway", "10.1.0.3@tcp", "--hop", "1", "--priority", "1")
        ping(2)
        #expect(try forwarded() == [2, 2])
        // Equal priority and hops (an undefined hop count counts as 1): round robin.
        client.lnetctl("route", "del", "--net", "tcp1", "--gateway", "10.1.0.2@tcp")
        client.lnetctl("route", "del", "--net", "tcp1", "--gateway", "10.1.0.3@tcp")
        client.lnetctl("route", "add", "--net", "tcp1", "--gateway", "10.1.0.2@tcp")
        client.lnetctl("route", "add", "--net", "tcp1", "--gateway", "10.1.0.3@tcp", "--hop", "1")
        ping(4)
        #expect(try forwarded() == [4, 4])
    }
}

@Suite("fault rules", .timeLimit(.minutes(1)))
struct FaultRuleTests {
    @Test("an interval rule hits one message per window")
    func interval() {
        var rule = FaultRule(source: "*", destination: "*")
        rule.interval = 10
        let times: [Double] = [1000, 1000.5, 1005, 1009.9, 1010.2, 1010.5, 1019.9, 1020, 1045, 1046, 1055]
        let hits = times.filter { rule.hit(kind: NICounters.get, now: $0) }
        #expect(hits == [1000, 1010.2, 1020, 1045, 1055])
        #expect(rule.applied == 5 && rule.matched == times.count)
    }

    @Test("lctl net_drop_add logs the rule like lnetctl fault drop add")
    func dropRuleLogged() throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        let node = Node.configured(dir, "a", "eth0=10.1.0.1", nets: ["tcp"])
        node.lctl("clear")
        #expect(node.lctl("net_drop_add", "-s", "*", "-d", "10.1.0.9@tcp", "-r", "1").status == 0)
        #expect(node.lnetctl("fault", "drop", "add", "-s", "*", "-d", "10.1.0.8@tcp", "-r", "1").status == 0)
        let log = node.lctl("dk").stdout
        #expect(log.contains("Added drop rule *->10.1.0.9@tcp"), "\(log)")
        #expect(log.contains("Added drop rule *->10.1.0.8@tcp"), "\(log)")
    }
}

@Suite("lst", .timeLimit(.minutes(1)))
struct LSTTests {
    @Test("a test added to a running batch counts its traffic once, from when it was added")
    func testAddedWhileRunning() throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        let a = Node.configured(dir, "a", "eth0=10.1.0.1", nets: ["tcp"])
        let b = Node.configured(dir, "b", "eth0=10.1.0.2", nets: ["tcp"])
        // lst reaches only nodes with lnet_selftest loaded, as on real LNet.
        for node in [a, b] { try SimNode.fromEnvironment(node.environment).loadModule("lnet_selftest") }
        #expect(a.lst("new_session", "s").status == 0)
        a.lst("add_group", "src", "10.1.0.1@tcp")
        a.lst("add_group", "dst", "10.1.0.2@tcp")
        #expect(a.lst("run", "batch").status == 0)
        // The batch has been running for 100 s (the traffic model's input is elapsed time).
        try SimNode.fromEnvironment(a.environment).modify { state in
            state.lst.session?.batches["batch"]?.startedAt! -= 100
        }
        #expect(a.lst("add_test", "--from", "src", "--to", "dst", "ping").status == 0)
        let batch = try a.state().lst.session?.batches["batch"]
        #expect(batch?.accounted.count == 1)
        // Two accounting passes; the 100 s of traffic before the test existed (400 000 RPCs at
        // 4000 RPC/s) is never counted, nor is anything counted twice.
        a.lst("show_error", "src")
        a.lst("show_error", "src")
        let sent = try a.state().stats["send_count"]
        #expect(sent > 0 && sent < 400_000, "\(sent)")
    }

    @Test("concurrent lst commands on one node lose no update")
    func concurrentCommands() throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        let node = Node.configured(dir, "a", "eth0=10.1.0.1", nets: ["tcp"])
        try SimNode.fromEnvironment(node.environment).loadModule("lnet_selftest")
        node.lst("new_session", "s")
        let count = 64
        DispatchQueue.concurrentPerform(iterations: count) { i in
            node.lst("add_group", "g\(i)", "10.1.0.\(i + 1)@tcp")
            node.lst("add_batch", "b\(i)")
        }
        let groups = node.lst("list_group").stdout.split(separator: "\n")
        let batches = node.lst("list_batch").stdout.split(separator: "\n")
        #expect(groups.count == count, "\(groups)")
        #expect(batches.count == count + 1, "\(batches)")  // and the default batch
    }
}
