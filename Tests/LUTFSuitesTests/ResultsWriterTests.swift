import Foundation
import LUTFCore
import LUTFSuites
import LUTFTesting
import Testing

@Suite("results.yml and junit.xml", .timeLimit(.minutes(1)))
struct ResultsWriterTests {
    /// Names and messages a YAML writer that does not quote would turn into other YAML.
    static let awkward = [
        "plain", "with: colon", "hash #1", "#leading", "\"double\" and 'single'", "ünïcødé ✓ 日本",
        "- dash", "yes", "123", "trailing:", "back\\slash", "{braces}", "&anchor *alias", "%percent",
    ]

    static func results(_ directory: String) throws -> Value {
        try YAMLText.decode(String(contentsOfFile: directory + "/results.yml", encoding: .utf8))
    }

    @Test("every awkward suite, test and error reads back exactly", arguments: awkward)
    func awkwardNames(name: String) throws {
        let directory = try TestSupport.makeTemporaryDirectory() + "/results"
        let suite = Suite(name: "s " + name, directory: "/nowhere", scripts: [])
        let writer = try ResultsWriter(directory: directory, suites: [suite], testGroup: name)
        let script = TestScript(suite: suite.name, key: name, path: "/nowhere/test_x.py")
        let error = "failed: \(name)\nsecond line\twith a tab and a NUL \u{0}"
        try writer.record(TestResult(script: script, status: .fail, duration: 1.4, error: error))
        try writer.record(
            TestResult(
                script: TestScript(suite: suite.name, key: "ok", path: "/nowhere/test_ok.py"), status: .pass,
                duration: 0.2, error: ""))

        let yaml = try Self.results(directory)
        #expect(yaml["TestGroup"]?["test_group"]?.stringValue == name)
        let entry = try #require(yaml["Tests"]?[0])
        #expect(entry["name"]?.stringValue == "lutf-s " + name)
        #expect(entry["status"]?.stringValue == "FAIL")
        #expect(entry["duration"] == .int(1))
        let failed = try #require(entry["SubTests"]?[0])
        #expect(failed["name"]?.stringValue == "test_" + name)
        #expect(failed["status"]?.stringValue == "FAIL")
        #expect(failed["error"]?.stringValue == error)
        #expect(failed["return_code"] == .int(1))
        let passed = try #require(entry["SubTests"]?[1])
        #expect(passed["status"]?.stringValue == "PASS")
        #expect(passed["error"] == .null, "auster writes an empty error as nothing")

        let junit = try String(contentsOfFile: directory + "/junit.xml", encoding: .utf8)
        #expect(junit.contains("name=\"\(Self.xmlEscaped("test_" + name))\""), "\(junit)")
        #expect(!junit.contains("\u{0}"), "XML 1.0 cannot hold a NUL, even escaped")
    }

    static func xmlEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    @Test("after every record the files on disk hold every finished test, in order")
    func everyRecordIsOnDisk() throws {
        let directory = try TestSupport.makeTemporaryDirectory() + "/results"
        let suite = Suite(name: "order", directory: "/nowhere", scripts: [])
        let writer = try ResultsWriter(directory: directory, suites: [suite])
        #expect(try Self.results(directory)["Tests"]?.listValue?.isEmpty ?? true, "a fresh run has no tests yet")
        let statuses: [TestStatus] = [.pass, .skip, .fail, .pass]
        for (i, status) in statuses.enumerated() {
            let script = TestScript(suite: "order", key: "\(i)", path: "/nowhere/test_\(i).py")
            try writer.record(
                TestResult(script: script, status: status, duration: 0, error: status == .pass ? "" : "why"))
            let subtests = try Self.results(directory)["Tests"]?[0]?["SubTests"]?.listValue ?? []
            #expect(subtests.map { $0["name"]?.stringValue } == (0...i).map { "test_\($0)" })
            #expect(subtests.last?["status"]?.stringValue == status.rawValue)
        }
        #expect(try Self.results(directory)["Tests"]?[0]?["status"]?.stringValue == "FAIL")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.contains(".tmp.") }
        #expect(leftovers.isEmpty, "temporary files left: \(leftovers)")
    }

    @Test("a directory that cannot be written is an error naming it, and the failure is kept")
    func unwritableDirectory() throws {
        let directory = try TestSupport.makeTemporaryDirectory() + "/results"
        let writer = try ResultsWriter(directory: directory, suites: [])
        try FileManager.default.removeItem(atPath: directory)
        try "not a directory".write(toFile: directory, atomically: true, encoding: .utf8)
        let script = TestScript(suite: "s", key: "a", path: "/nowhere/test_a.py")
        #expect(throws: LUTFError.self) {
            try writer.record(TestResult(script: script, status: .pass, duration: 0, error: ""))
        }
        #expect(writer.failure?.contains(directory) == true, "\(writer.failure ?? "no failure kept")")
        #expect(writer.results.count == 1, "the result is still held for the summary")
    }
}

@Suite("auster's results.yml before LUTF appends to it", .timeLimit(.minutes(1)))
struct AusterOpenEntryTests {
    static let header =
        "TestGroup:\n    test_group: t\nTests:\n-\n        name: lutf\n        description: auster lutf\n"

    @Test(
        "LUTF appends only to an entry auster opened and has not closed; anything else is one line naming the file",
        arguments: [
            (header + "        SubTests:\n", nil),
            (header + "        SubTests:\n        -\n            name: test_x\n            status: PASS\n", nil),
            (
                header + "        SubTests:\n        duration: 1\n        status: PASS\n",
                "its last entry, 'lutf', is already closed"
            ),
            (header, "its last entry, 'lutf', has no 'SubTests:' to add to"),
            ("TestGroup:\n    test_group: t\nTests:\n", "has no suite entry open for LUTF's subtests"),
        ] as [(String, String?)])
    func openEntry(_ text: String, _ problem: String?) throws {
        let path = try TestSupport.makeTemporaryDirectory() + "/results.yml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        if let problem {
            #expect {
                try AusterReport.checkOpenEntry(path)
            } throws: { error in
                "\(error)".contains("auster's results \(path)") && "\(error)".contains(problem)
            }
        } else {
            try AusterReport.checkOpenEntry(path)
        }
        let missing = path + ".missing"
        #expect(throws: LUTFError.self) { try AusterReport.checkOpenEntry(missing) }
    }
}
