import ArgumentParser
import Foundation
import LUTFCore

/// The `lutf` executable: the commands of `LUTFCommand`, or the LNet simulator when invoked as
/// `lnetctl`, `lctl` or `lst`.
@main
enum Entry {
    static func main() async {
        HostInfo.raiseFileLimit()
        await LUTFCommand.main()
    }
}

struct LUTFCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lutf",
        abstract: "LNet Unit Test Framework: run LNet test suites on one node or many.",
        discussion: """
            A master runs Python test scripts and tracks agents (one per node) that run the functions \
            and methods the scripts call on them. Every connection proves knowledge of a shared \
            cluster key (create one with `lutf keygen`).

            Environment: LUTF_KEY (default --key), LUTF_MASTER (default --master), LUTF_LOG_LEVEL \
            (default --log-level).
            """,
        version: LUTFDefaults.version,
        subcommands: [
            RunCommand.self, ListCommand.self, KeygenCommand.self, MasterCommand.self, AgentCommand.self,
            StatusCommand.self, BenchCommand.self, SwarmCommand.self,
        ]
    )
}
