import ArgumentParser
import Foundation
import LNetSim
import LUTFCore

/// The `lutf` executable: the commands of `LUTFCommand`, or the LNet simulator when invoked as
/// `lnetctl`, `lctl` or `lst`.
@main
enum Entry {
    static func main() async {
        let invoked = URL(fileURLWithPath: CommandLine.arguments[0]).lastPathComponent
        if SimCommand.tools.contains(invoked) {
            exit(SimCommand.run(tool: invoked, args: Array(CommandLine.arguments.dropFirst())))
        }
        if CommandLine.arguments.count > 1 && CommandLine.arguments[1] == "sim" {
            exit(SimCommand.main(Array(CommandLine.arguments.dropFirst(2))))
        }
        HostInfo.raiseFileLimit()
        // Daemons a test starts come back to us when they leave their process group (Strays).
        Strays.adopt()
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
            RunCommand.self, ListCommand.self, ShellCommand.self, LaunchCommand.self, ClusterCommand.self,
            KeygenCommand.self,
            MasterCommand.self, AgentCommand.self, SubmitCommand.self, CollectCommand.self,
            StatusCommand.self, BenchCommand.self, SimHelpCommand.self, TranscriptCommand.self, ReportCommand.self,
            NodeCleanCommand.self,
            SwarmCommand.self,
        ]
    )
}

/// Documents `lutf sim` in `lutf --help` (the subcommand itself is dispatched before parsing,
/// so its arguments pass through untouched).
struct SimHelpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Run the LNet simulator's lnetctl, lctl or lst (lutf sim TOOL ARGS...).",
        discussion: SimCommand.usage
    )
}
