import ArgumentParser
import Foundation
import LUTFCore
import LUTFWire
import Logging

/// What `submit` and `collect` share: where the master is and the key.
struct MasterOptions: ParsableArguments {
    @Option(name: .long, help: "Master address HOST:PORT (default $LUTF_MASTER, else 127.0.0.1:8494).")
    var master: String?

    @Option(name: .long, help: "Cluster key file (default $LUTF_KEY).")
    var key: String?

    func client() throws -> ControlClient {
        LogSetup.bootstrap(level: .error)
        return try Self.client(master: master ?? environment["LUTF_MASTER"] ?? "127.0.0.1", key: key)
    }

    /// A control client for the master at `master` (HOST[:PORT]) with the key `key` (else `$LUTF_KEY`).
    static func client(master: String, key: String?) throws -> ControlClient {
        let address = try HostPort(parsing: master, defaultPort: LUTFDefaults.masterPort, what: "--master")
        let clusterKey = try ClusterKey.resolve(flag: key, environment: environment, configured: nil)
        return ControlClient(master: address, key: clusterKey, logger: Logger(label: "lutf"))
    }
}

/// A `master_response` that is not `Success` as an error.
func checked(_ response: Value) throws -> Value {
    guard response["status"]?.stringValue == "Success" else {
        throw LUTFError(.refused, response["error"]?.plainText ?? "the master answered \(response.plainText)")
    }
    return response
}

struct SubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Submit a run to a running master (RUN_TESTS) and print its id.",
        discussion: """
            The test configuration file is the design document's:
              config:
                type: tests-scripts
                testsID: nightly-42        # the run's id (default: generated)
                timeout: 300               # seconds per test
                tests:                     # suites, or suite/key for single scripts
                  0: samples
                  1: dlc/01_configure
            A bad file is refused with the reason before anything runs. Runs are queued and run one \
            at a time. With --wait, waits for the run and exits 0 if every test passed, 1 if one \
            failed, 2 if the run could not start.
            """
    )

    @Option(name: .long, help: "Test configuration file (YAML).")
    var tests: String

    @Flag(name: .long, help: "Wait for the run to finish and exit with its status.")
    var wait = false

    @OptionGroup var masterOptions: MasterOptions

    func run() async throws {
        let code = try await reportingErrors("submit") { () async throws -> Int32 in
            let text = try UserFile.text(tests, what: "test file")
            let config: Value
            do throws(YAMLText.ParseError) {
                config = try YAMLText.decode(text)
            } catch {
                throw LUTFError(.usage, "test file \(tests) \(error.description)")
            }
            let client = try masterOptions.client()
            let submitted = try checked(try await client.request(["op": "run_tests", "tests": config]))
            let id = submitted["run"]?.plainText ?? "?"
            emit(id)
            guard wait else { return 0 }
            while true {
                let state = try checked(try await client.request(["op": "collect_results", "id": .string(id)]))
                switch state["state"]?.stringValue {
                case "finished":
                    emit(state["summary"]?.plainText ?? "finished")
                    return state["passed"]?.boolValue == true ? 0 : 1
                case "failed":
                    throw LUTFError(.setup, "run \(id) failed: \(state["error"]?.plainText ?? "unknown reason")")
                default:
                    try await Task.sleep(for: .milliseconds(250))
                }
            }
        }
        if code != 0 { throw ExitCode(code) }
    }
}

struct CollectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect",
        abstract: "Fetch a finished run's zipped results from a running master (COLLECT_RESULTS).",
        discussion: "Writes DIR/ID.zip and prints its path; fails if the run is unknown or not finished."
    )

    @Argument(help: "The run's id (printed by lutf submit).")
    var id: String

    @Option(name: .long, help: "Directory to write ID.zip into.")
    var output = "."

    @OptionGroup var masterOptions: MasterOptions

    func run() async throws {
        try await reportingErrors("collect") {
            let client = try masterOptions.client()
            let state = try checked(try await client.request(["op": "collect_results", "id": .string(id)]))
            guard state["state"]?.stringValue == "finished" else {
                throw LUTFError(
                    .usage, "run \(id) is \(state["state"]?.plainText ?? "not finished"); nothing to collect yet")
            }
            var zip = Data()
            var total = Int.max
            while zip.count < total {
                let piece = try checked(
                    try await client.request(["op": "fetch_results", "id": .string(id), "offset": .int(zip.count)]))
                total = piece["total"]?.intValue ?? 0
                guard let data = Data(base64Encoded: piece["data"]?.stringValue ?? ""),
                    !data.isEmpty || zip.count >= total
                else {
                    throw LUTFError(.protocolViolation, "the master sent a bad piece of run \(id)'s results")
                }
                zip.append(data)
            }
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            let path = URL(fileURLWithPath: output).appendingPathComponent("\(id).zip").path
            try zip.write(to: URL(fileURLWithPath: path))
            emit(path)
        }
    }
}
