import Foundation
import LNetSim
import LUTFTesting
import NIOPosix
import Testing

/// The simulator held to real LNet: every recorded transcript of the bundled suites on real
/// LNet 6.1 (Tests/Fixtures/transcripts, `scripts/record-transcripts`) replayed on simulated
/// nodes, after the one normalisation rule (docs/SIMULATOR.md §6).
@Suite("transcripts of real LNet replayed on the simulator", .timeLimit(.minutes(5)))
struct TranscriptReplayTests {
    static let transcripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/transcripts/6.1.0-57-amd64").path

    /// What replay finds today; the test fails when fewer commands match (a regression of the
    /// simulator, or a transcript recorded again that it does not yet follow). Raise it as the
    /// simulator gets closer; docs/SIMULATOR.md §6 lists what still differs and why.
    static let floor = 0.95

    /// The guests' (and the embedded cluster's) interfaces: node N has eth0 10.1.0.N, eth1 10.2.0.N.
    static func interfaces(_ node: String) -> String {
        let index = ["mds1": 1, "oss1": 2, "client1": 3, "client2": 4][node] ?? 5
        return "eth0=10.1.0.\(index),eth1=10.2.0.\(index)"
    }

    @Test("at least the floor of the recorded commands print exactly what real LNet printed", .timeLimit(.minutes(3)))
    func replayMatchesRealLNet() async throws {
        // Replay is synchronous and sleeps where real LNet waits (lost messages, lst stat), for
        // tens of seconds in a debug build: on NIO's thread pool, not on one of the two
        // cooperative threads every other test of this process (and its clients' handshakes) needs.
        let all = try Transcript.all(in: Self.transcripts)
        #expect(all.count >= 60, "only \(all.count) transcripts in \(Self.transcripts)")
        let (share, matched, compared, differences) = try await NIOThreadPool.singleton.runIfActive {
            try Self.replay(all)
        }
        #expect(
            share >= Self.floor,
            "\(matched) of \(compared) identical (\(Int(share * 100))%); first differences:\n\(differences.prefix(20).joined(separator: "\n"))"
        )
    }

    /// Replays every transcript: the share identical, the counts, and each difference.
    static func replay(_ all: [Transcript]) throws -> (Double, Int, Int, [String]) {
        let work = try TestSupport.makeTemporaryDirectory("lutf-replay")
        defer { try? FileManager.default.removeItem(atPath: work) }
        var compared = 0
        var matched = 0
        var differences: [String] = []
        for transcript in all {
            let outcomes = TranscriptReplay.replay(transcript, directory: work + "/nodes", interfaces: Self.interfaces)
            let (c, m) = TranscriptReplay.tally(outcomes)
            compared += c
            matched += m
            for (index, outcome) in outcomes.enumerated() {
                if let difference = outcome.difference {
                    differences.append(
                        "\(transcript.name) #\(index + 1) \(outcome.step.argv.joined(separator: " ")): \(difference)")
                }
            }
        }
        return (Double(matched) / Double(max(1, compared)), matched, compared, differences)
    }
}
