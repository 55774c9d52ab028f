import ArgumentParser
import Foundation
import LNetSim
import LUTFCore
import LUTFSuites

struct TranscriptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transcript",
        abstract: "Keep the LNet tools' real outputs as transcripts and replay them on the simulator.",
        discussion: """
            Every run records, per test, each lnetctl, lctl, lst, modprobe and ip command the \
            helpers ran on every node, with its exit status and output, in SUITE/TEST/tools.jsonl. \
            Run on real LNet (lutf run --vm 4 --interfaces 2), those are transcripts of the real \
            tools; scripts/record-transcripts records the bundled suites into \
            Tests/Fixtures/transcripts. `replay` runs each transcript's commands on simulated nodes \
            of the same names and interfaces (mds1, oss1, client1, client2: eth0 10.1.0.N, eth1 \
            10.2.0.N) and compares what they print, after one normalisation rule (durations and \
            times, lst rates: see docs/SIMULATOR.md).
            """,
        subcommands: [Extract.self, Replay.self]
    )

    struct Extract: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the tests' tools.jsonl of a results directory into DIR/SUITE/TEST.jsonl.")

        @Argument(help: "A results directory of lutf run.")
        var results: String

        @Argument(help: "Where the transcripts go.")
        var directory: String

        func run() async throws {
            try await reportingErrors("transcript extract") {
                let transcripts = try Transcript.all(in: results)
                guard !transcripts.isEmpty else { throw LUTFError(.usage, "\(results) has no test that ran a tool") }
                for transcript in transcripts {
                    let path = directory + "/" + transcript.name + ".jsonl"
                    try FileManager.default.createDirectory(
                        atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path,
                        withIntermediateDirectories: true)
                    try transcript.jsonLines.write(toFile: path, atomically: true, encoding: .utf8)
                }
                emit(
                    "\(transcripts.count) transcripts, \(transcripts.map(\.steps.count).reduce(0, +)) commands in \(directory)"
                )
            }
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replay transcripts on the simulator and list what it prints differently.")

        @Argument(help: "Transcript directories (SUITE/TEST.jsonl) or results directories (SUITE/TEST/tools.jsonl).")
        var directories: [String]

        @Flag(help: "List every command, not only the differing ones.")
        var verbose = false

        func run() async throws {
            try await reportingErrors("transcript replay") {
                var compared = 0
                var matched = 0
                let work = try HostInfo.makeTemporaryDirectory("lutf-replay")
                defer { try? FileManager.default.removeItem(atPath: work) }
                for directory in directories {
                    for transcript in try Transcript.all(in: directory) {
                        let outcomes = TranscriptReplay.replay(
                            transcript, directory: work + "/nodes", interfaces: Self.interfaces)
                        let tally = TranscriptReplay.tally(outcomes)
                        compared += tally.compared
                        matched += tally.matched
                        emit("\(transcript.name): \(tally.matched)/\(tally.compared) identical")
                        for (index, outcome) in outcomes.enumerated() where outcome.compared {
                            if let difference = outcome.difference {
                                emit(
                                    "  \(index + 1) \(outcome.step.node): \(outcome.step.command)\n      \(difference)")
                            } else if verbose {
                                emit("  \(index + 1) \(outcome.step.node): \(outcome.step.command): identical")
                            }
                        }
                    }
                }
                let share = compared == 0 ? 100 : Double(matched) * 100 / Double(compared)
                emit(String(format: "%d of %d commands identical (%.1f%%)", matched, compared, share))
            }
        }

        /// The interfaces of the cluster's nodes by name, as the VM and embedded clusters have them.
        static func interfaces(_ node: String) -> String {
            let members = EmbeddedCluster.members(count: 64)
            let index = members.firstIndex { $0.name == node } ?? 0
            return EmbeddedCluster.simulatedInterfaces(index: index)
        }
    }
}
