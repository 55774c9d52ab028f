import Foundation
import LUTFCore
import LUTFTesting
import Testing

/// The bundled LNet suites against the simulator: the regression check that the simulator and
/// the helpers still behave as the suites (written from LNet's reference) expect.
@Suite("bundled LNet suites", .timeLimit(.minutes(5)))
struct LNetSuitesTests {
    static let suites = ["dlc", "multi-rail", "dynamic-discovery", "routing", "health", "selftest"]

    @Test("every test of the bundled LNet suites passes on a 4-agent embedded cluster")
    func allPass() async throws {
        let results = try TestSupport.makeTemporaryDirectory() + "/results"
        let outcome = try await TestSupport.runLUTF([
            "run", "--agents", "4", "--suite", Self.suites.joined(separator: ","), "--results", results,
        ])
        #expect(outcome.status == .exited(0), "\(outcome.stdout)\n\(outcome.stderr)")
        let yaml = try YAMLText.decode(String(contentsOfFile: results + "/results.yml", encoding: .utf8))
        var names: [String] = []
        var count = 0
        for suite in yaml["Tests"]?.listValue ?? [] {
            names.append(suite["name"]?.stringValue ?? "?")
            for test in suite["SubTests"]?.listValue ?? [] {
                count += 1
                let name = test["name"]?.stringValue ?? "?"
                let error = test["error"]?.plainText ?? ""
                // A test may skip only by its suite's skip_on for this backend, which names why.
                let skippedByBackend =
                    test["status"]?.stringValue == "SKIP" && error.hasPrefix("skipped on simulated LNet: ")
                #expect(test["status"]?.stringValue == "PASS" || skippedByBackend, "\(name): \(error)")
            }
        }
        #expect(Set(names) == Set(Self.suites.map { "lutf-" + $0 }))
        #expect(count >= 60, "only \(count) tests ran")
    }
}
