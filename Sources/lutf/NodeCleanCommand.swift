import ArgumentParser
import LUTFAgent
import LUTFCore

/// `lutf node-clean`: the clean slate an agent gives its node before each test, on this node,
/// without an agent (for scripts/record-transcripts and for people).
struct NodeCleanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node-clean",
        abstract: "Give this (real LNet) node the clean slate an agent gives it before each test.",
        discussion: """
            Interfaces that were up come back up (in one run of this command: those up now), \
            drop and delay rules are reset while LNet is configured, lnet_selftest is unloaded, \
            LNet is unconfigured, and lnet is reloaded so every global setting is at its default. \
            Prints what it did; exits 1 with the reason when a step fails (Lustre mounted, ...).
            """
    )

    func run() async throws {
        try await reportingErrors("node-clean") {
            emit(try await NodeLNet.cleanLocalNode(reloadAlways: false))
        }
    }
}
