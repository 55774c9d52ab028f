import Foundation
import LUTFCore

#if canImport(Glibc)
    import Glibc
#endif

/// Which tests of the discovered suites to run: `--suite`, `--only`, `--except`, `--pattern`
/// (or auster's `SUITE`, `ONLY`, `EXCEPT`, `PATTERN`).
public struct Selection: Sendable {
    /// Suite names (`samples` or `suite_samples`); empty means all.
    public var suites: [String] = []
    /// Tests to run (`sample_02`, `test_sample_02`, `samples/sample_02`); empty means all.
    public var only: [String] = []
    /// Tests not to run.
    public var except: [String] = []
    /// A shell glob matched against a test's key, its name and `suite/key`.
    public var pattern: String?

    public init() {}

    /// Splits auster-style lists: blanks, commas or `+` between names.
    public static func names(_ text: String?) -> [String] {
        guard let text else { return [] }
        return text.split { $0 == " " || $0 == "," || $0 == "+" || $0 == "\t" || $0 == "\n" }.map(String.init)
    }

    /// Fills empty fields from auster's environment variables.
    public mutating func applyEnvironment(_ environment: [String: String]) {
        if suites.isEmpty { suites = Self.names(environment["SUITE"]) }
        if only.isEmpty { only = Self.names(environment["ONLY"]) }
        if except.isEmpty { except = Self.names(environment["EXCEPT"]) }
        if pattern == nil, let p = environment["PATTERN"], !p.isEmpty { pattern = p }
    }

    /// The selected suites, each with only its selected scripts (suites left empty are dropped).
    ///
    /// A test is named by its key (`sample_02`, `test_sample_02`), `SUITE/KEY`, or auster's
    /// subtest name `test_SUITE_KEY` (`SUITE_KEY`); in `--only`, a suite's name selects all of it.
    ///
    /// - Throws: a `usage` error for an unknown suite or test, listing what exists; with
    ///   `lenient`, `warn` gets that line instead and the name is ignored.
    public func apply(
        to all: [Suite], lenient: Bool = false, warn: (String) -> Void = { _ in }
    ) throws(LUTFError) -> [Suite] {
        var chosen = all
        if !suites.isEmpty {
            let wanted = suites.map { $0.hasPrefix("suite_") ? String($0.dropFirst(6)) : $0 }
            let known = Set(all.map(\.name))
            for unknown in wanted where !known.contains(unknown) {
                let message = "unknown suite '\(unknown)' (suites: \(all.map(\.name).joined(separator: ", ")))"
                if !lenient { throw LUTFError(.usage, message) }
                warn(message)
            }
            chosen = all.filter { wanted.contains($0.name) }
        }
        func matches(_ name: String, _ script: TestScript) -> Bool {
            if name == script.suite || name == "suite_" + script.suite { return true }
            if name == "test_\(script.suite)_\(script.key)" || name == "\(script.suite)_\(script.key)" { return true }
            let key = SuiteCatalog.keyOf(name)
            if key.contains("/") { return key == script.fullName || name == "\(script.suite)/\(script.name)" }
            return key == script.key
        }
        for (option, names) in [("--only", only), ("--except", except)] {
            for name in names where !chosen.contains(where: { $0.scripts.contains { matches(name, $0) } }) {
                let tests = chosen.map { "\($0.name): \($0.scripts.map(\.key).joined(separator: " "))" }
                let message = "\(option): unknown test '\(name)' (tests: \(tests.joined(separator: "; ")))"
                if !lenient { throw LUTFError(.usage, message) }
                warn(message)
            }
        }
        // As test-framework.sh's run_test: without --only an excluded test is reported SKIP
        // ("skipping excluded test ..."); with --only it is left out like any test not named.
        return chosen.compactMap { suite in
            var suite = suite
            suite.scripts = suite.scripts.filter { script in
                if !only.isEmpty && !only.contains(where: { matches($0, script) }) { return false }
                if let pattern, !Self.glob(pattern, matches: script) { return false }
                if except.contains(where: { matches($0, script) }) {
                    guard only.isEmpty else { return false }
                    suite.excluded.insert(script.key)
                }
                return true
            }
            return suite.scripts.isEmpty ? nil : suite
        }
    }

    static func glob(_ pattern: String, matches script: TestScript) -> Bool {
        let names: [String] = [script.key, script.name, script.fullName]
        return names.contains(where: { Glibc.fnmatch(pattern, $0, 0) == 0 })
    }
}
