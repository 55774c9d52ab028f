import Foundation
import LUTFCore
import LUTFMaster
import LUTFTesting
import LUTFWire
import Logging
import Testing

/// The broker between test scripts and the master, on its real local socket, with requests
/// written as a test's Python process writes them.
@Suite("script broker: hellos, expected processes, who may record a result", .timeLimit(.minutes(1)))
struct ScriptBrokerTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    func session(token: String = HostInfo.randomToken(bytes: 16), directory: String) -> TestSession {
        TestSession(
            id: "demo/test_01#1", run: "r1", suite: "demo", key: "test_01", script: "/suites/demo/test_01.py",
            callbacks: nil, params: ["n": 1], noClean: true, timeout: 30, directory: directory, token: token)
    }

    /// A broker listening on a socket in a fresh directory, for the length of `body`.
    func withBroker(_ body: @Sendable (ScriptBroker, String) async throws -> Void) async throws {
        let directory = try TestSupport.makeTemporaryDirectory()
        let settings = MasterSettings(listen: HostPort(host: "127.0.0.1", port: 0), key: ClusterKey.generate())
        let broker = ScriptBroker(
            master: Master(settings: settings, logger: Self.logger), directory: directory + "/broker",
            logger: Self.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await broker.run() }
            _ = try await broker.socketPath()
            try await body(broker, directory)
            group.cancelAll()
        }
    }

    /// Sends `hello` with `token` on a new connection and returns the answer (`{re, ok, ...}`).
    func hello(_ broker: ScriptBroker, token: String) async throws -> Value {
        let channel = try await LocalSocket.connect(to: try await broker.socketPath())
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(Line(["id": 1, "op": "hello", "token": .string(token), "pid": 1]))
            var answers = inbound.makeAsyncIterator()
            return try await answers.next() ?? .null
        }
    }

    /// Waits until the broker holds one hello.
    func held(_ broker: ScriptBroker) async throws {
        try await TestSupport.waitUntil("a hello held by the broker", within: 10) { broker.heldHellos == 1 }
    }

    @Test("a hello with an unknown token is refused; a session's token gets its test")
    func hellos() async throws {
        try await withBroker { broker, directory in
            let refused = try await hello(broker, token: "forged")
            #expect(refused["ok"] == false)
            #expect(refused["error"]?["message"]?.stringValue?.contains("unknown script token") == true, "\(refused)")
            let test = session(directory: directory)
            broker.add(test)
            let answer = try await hello(broker, token: test.token)
            #expect(answer["ok"] == true, "\(answer)")
            #expect(answer["value"]?["test"]?["id"] == "demo/test_01#1")
            #expect(answer["value"]?["test"]?["params"] == ["n": 1])
        }
    }

    @Test("a process expected before its test waits for the session, and one forgotten is refused")
    func expected() async throws {
        try await withBroker { broker, directory in
            let token = HostInfo.randomToken(bytes: 16)
            broker.expect(token: token)
            async let answer = hello(broker, token: token)
            // Its hello is held while no session has the token.
            try await held(broker)
            broker.add(session(token: token, directory: directory))
            let answered = try await answer
            #expect(answered["ok"] == true, "\(answered)")
            #expect(answered["value"]?["test"]?["key"] == "test_01")

            let other = HostInfo.randomToken(bytes: 16)
            broker.expect(token: other)
            async let refused = hello(broker, token: other)
            try await held(broker)
            broker.forget(token: other)
            let answer2 = try await refused
            #expect(answer2["ok"] == false)
            #expect(answer2["error"]?["message"]?.stringValue?.contains("not run") == true, "\(answer2)")
            // Gone for good: a later hello with it is an unknown token.
            let late = try await hello(broker, token: other)
            #expect(late["error"]?["message"]?.stringValue?.contains("unknown script token") == true, "\(late)")
        }
    }

    @Test("only the test's own process records its result: agents are refused, the result stays unset")
    func resultOnlyFromTheScript() async throws {
        try await withBroker { broker, directory in
            let test = session(directory: directory)
            broker.add(test)
            await #expect {
                _ = try await broker.serve(
                    operation: "result", parameters: ["test": .string(test.id), "status": "PASS"], caller: "oss1")
            } throws: { error in
                (error as? LUTFError)?.code == .refused
            }
            #expect(test.result.current == nil)
            // A request for a test that has ended is refused, naming it.
            await broker.remove(test)
            await #expect {
                _ = try await broker.serve(operation: "ping", parameters: ["test": .string(test.id)], caller: "oss1")
            } throws: { error in
                (error as? LUTFError)?.message.contains("has ended") == true
            }
        }
    }
}
