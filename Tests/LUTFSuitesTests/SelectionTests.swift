import LUTFCore
import LUTFSuites
import Testing

/// Which tests `--suite`, `--only`, `--except`, `--pattern` and auster's variables choose.
@Suite("test selection", .timeLimit(.minutes(1)))
struct SelectionTests {
    let all: [Suite] = [
        Suite(
            name: "samples", directory: "/s/suite_samples",
            scripts: ["sample_01", "sample_02", "sample_03"].map {
                TestScript(suite: "samples", key: $0, path: "/s/suite_samples/test_\($0).py")
            }),
        Suite(
            name: "dlc", directory: "/s/suite_dlc",
            scripts: ["01_net_add", "02_net_del"].map {
                TestScript(suite: "dlc", key: $0, path: "/s/suite_dlc/test_\($0).py")
            }),
    ]

    /// The tests that run (not those kept only to be reported as excluded).
    func chosen(_ selection: Selection) throws -> [String] {
        try selection.apply(to: all).flatMap { suite in
            suite.scripts.filter { !suite.excluded.contains($0.key) }.map(\.fullName)
        }
    }

    /// The tests reported SKIP as excluded.
    func excluded(_ selection: Selection) throws -> [String] {
        try selection.apply(to: all).flatMap { suite in
            suite.scripts.filter { suite.excluded.contains($0.key) }.map(\.fullName)
        }
    }

    @Test("nothing given runs everything, in order")
    func everything() throws {
        #expect(
            try chosen(Selection()) == [
                "samples/sample_01", "samples/sample_02", "samples/sample_03", "dlc/01_net_add", "dlc/02_net_del",
            ])
    }

    @Test(
        "a test is named by key, script name, suite/key or auster's subtest name; a suite name in --only takes all of it"
    )
    func names() throws {
        for name in ["sample_02", "test_sample_02", "samples/sample_02", "test_samples_sample_02", "samples_sample_02"]
        {
            var selection = Selection()
            selection.only = [name]
            #expect(try chosen(selection) == ["samples/sample_02"], "--only \(name)")
        }
        var selection = Selection()
        selection.only = ["suite_dlc"]
        #expect(try chosen(selection) == ["dlc/01_net_add", "dlc/02_net_del"])
    }

    @Test("--suite, --except and --pattern narrow the choice together")
    func combined() throws {
        var selection = Selection()
        selection.suites = ["suite_samples"]
        selection.except = ["sample_01"]
        #expect(try chosen(selection) == ["samples/sample_02", "samples/sample_03"])
        // As in a bash suite: excluded, and reported so; with --only, simply not named.
        #expect(try excluded(selection) == ["samples/sample_01"])
        var named = selection
        named.only = ["sample_01", "sample_02"]
        #expect(try chosen(named) == ["samples/sample_02"] && excluded(named).isEmpty)
        selection.pattern = "*_03"
        #expect(try chosen(selection) == ["samples/sample_03"])
        #expect(try excluded(selection).isEmpty)
        var byPattern = Selection()
        byPattern.pattern = "dlc/*"
        #expect(try chosen(byPattern) == ["dlc/01_net_add", "dlc/02_net_del"])
    }

    @Test("an unknown suite or test is a usage error listing what exists; lenient warns and goes on")
    func unknown() throws {
        var selection = Selection()
        selection.suites = ["nosuch"]
        #expect {
            _ = try chosen(selection)
        } throws: { error in
            let error = error as? LUTFError
            return error?.code == .usage && error?.message == "unknown suite 'nosuch' (suites: samples, dlc)"
        }
        var test = Selection()
        test.only = ["sample_09", "sample_01"]
        #expect {
            _ = try chosen(test)
        } throws: { error in
            (error as? LUTFError)?.message.hasPrefix("--only: unknown test 'sample_09' (tests: samples: sample_01")
                == true
        }
        var warnings: [String] = []
        let lenient = try test.apply(to: all, lenient: true) { warnings.append($0) }
        #expect(lenient.flatMap { $0.scripts.map(\.key) } == ["sample_01"])
        #expect(warnings.count == 1)
    }

    @Test("auster's SUITE, ONLY, EXCEPT and PATTERN fill what the command line left empty")
    func environment() throws {
        var selection = Selection()
        selection.except = ["sample_03"]
        selection.applyEnvironment(["SUITE": "samples", "ONLY": "sample_01 sample_02,sample_03", "EXCEPT": "sample_01"])
        #expect(selection.suites == ["samples"])
        #expect(selection.only == ["sample_01", "sample_02", "sample_03"])
        #expect(selection.except == ["sample_03"], "the command line wins")
        #expect(try chosen(selection) == ["samples/sample_01", "samples/sample_02"])
        #expect(Selection.names("a+b, c\td") == ["a", "b", "c", "d"])
    }
}
