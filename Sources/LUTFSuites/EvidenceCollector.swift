import Foundation
import LUTFCore
import LUTFMaster

/// When evidence is collected from the nodes.
public enum CollectPolicy: String, Sendable, CaseIterable {
    case failure
    case always
    case never
}

/// Gathers evidence from every live agent into `<test dir>/<node>/` before a failed test is torn
/// down: debug log since the test's start mark, LNet state, kernel log, the agent's log, crash
/// dumps. Each node has a deadline; a node that does not answer is noted in `evidence.txt`.
enum EvidenceCollector {
    /// Marks every live agent's debug log at the start of `session` (the collector cuts there).
    static func mark(_ session: TestSession, master: Master) async {
        let agents = await master.registry.liveLinks().map(\.name)
        await withTaskGroup(of: Void.self) { group in
            for agent in agents {
                group.addTask {
                    _ = try? await master.callFunction(agent, "mark", ["text": .string(markText(session))], timeout: 10)
                }
            }
        }
    }

    static func markText(_ session: TestSession) -> String { "lutf test \(session.id) start" }

    /// Collects from every live agent at once and returns the lines of `evidence.txt`.
    @discardableResult
    static func collect(_ session: TestSession, master: Master, deadline: Double = 10) async -> [String] {
        let agents = await master.registry.liveLinks().map(\.name)
        let lines = await withTaskGroup(of: String.self, returning: [String].self) { group in
            for agent in agents {
                group.addTask {
                    let start = Monotonic.nanoseconds()
                    do {
                        let answer = try await master.callFunction(
                            agent, "collect", ["mark": .string(markText(session)), "deadline": .double(deadline)],
                            timeout: deadline + 5)
                        let directory = session.directory + "/" + agent
                        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                        var written: [String] = []
                        for (name, content) in answer["files"]?.mapValue ?? [:] {
                            try Data((content.stringValue ?? content.plainText).utf8).write(
                                to: URL(fileURLWithPath: directory + "/" + name))
                            written.append(name)
                        }
                        let problems = (answer["problems"]?.mapValue ?? [:]).map { "\($0.key): \($0.value.plainText)" }
                        var line = "\(agent): \(written.count) files in \(Monotonic.secondsSince(start).secondsText)"
                        if !problems.isEmpty { line += "; problems: " + problems.joined(separator: "; ") }
                        return line
                    } catch let error as LUTFError {
                        return "\(agent): no evidence: \(error.message)"
                    } catch {
                        return "\(agent): no evidence: \(error)"
                    }
                }
            }
            var lines: [String] = []
            for await line in group { lines.append(line) }
            return lines.sorted()
        }
        try? (lines.joined(separator: "\n") + "\n").write(
            toFile: session.directory + "/evidence.txt", atomically: true, encoding: .utf8)
        return lines
    }
}
