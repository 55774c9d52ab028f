import ArgumentParser
import Foundation
import LUTFCore
import LUTFSuites

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Rebuild a run's report.html from its results directory.",
        discussion: """
            Every `lutf run` writes RESULTS/report.html: one self-contained page (no network; it \
            opens from a file:// URL or from inside results.zip) with the run (id, when, the nodes, \
            their roles and NIDs, simulated or real LNet, LUTF's version), the totals, a table of \
            suites and tests with failures first (filter by status, search), and for each test its \
            error and remote traceback, output.log (its last 16 KiB), the remote calls, the \
            evidence collected per node, links to its files, and a timeline across the nodes: every \
            remote call as a bar, events and barriers, fault rules added and removed, links taken \
            down and up, agent deaths and reconnections, the test's deadline. The page is built \
            from the directory alone (run.json, and per test result.json, timeline.jsonl, \
            tools.jsonl, output.log, evidence.txt), so this command rebuilds it, also for a \
            directory `lutf collect` fetched; what is missing is said on the page.
            """
    )

    @Argument(help: "A results directory of lutf run.")
    var results: String

    @Flag(help: "Open the page in a browser (xdg-open) once it is written.")
    var open = false

    func run() async throws {
        try await reportingErrors("report") {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: results, isDirectory: &isDirectory), isDirectory.boolValue
            else {
                throw LUTFError(.usage, "\(results): no such results directory")
            }
            let directory = URL(fileURLWithPath: results).standardizedFileURL.path
            let runtime = try await PythonRuntime.locate()
            let bytes = try RunReport.write(
                results: directory, template: runtime.home + "/python/lutf/report-template.html")
            emit("\(directory)/report.html: \(bytes) bytes")
            if open {
                guard let opener = Command.find("xdg-open") else {
                    throw LUTFError(.setup, "--open: no xdg-open on PATH; open file://\(directory)/report.html")
                }
                try await Command.run(opener, ["\(directory)/report.html"])
            }
        }
    }
}
