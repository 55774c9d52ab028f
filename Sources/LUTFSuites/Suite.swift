import LUTFCore

/// One test script: `suite_<suite>/test_<key>.py`.
public struct TestScript: Sendable, Hashable {
    public var suite: String
    /// The file name without `test_` and `.py` (what `--only` names).
    public var key: String
    public var path: String

    public init(suite: String, key: String, path: String) {
        self.suite = suite
        self.key = key
        self.path = path
    }

    /// The name results use: the file name without `.py` (`test_sample_02`).
    public var name: String { "test_" + key }

    /// `suite/key`, as progress lines show it.
    public var fullName: String { "\(suite)/\(key)" }
}

/// A directory `suite_<name>` of test scripts, with its optional `callbacks.py` and `skip.py`.
public struct Suite: Sendable {
    public var name: String
    public var directory: String
    public var scripts: [TestScript]
    /// `callbacks.py`, whose `lutf_clean_setup()` runs before each script.
    public var callbacks: String?
    /// `skip.py`, which lists `skip_list` and `expected_failures`.
    public var skipFile: String?
    /// Keys not to run (reported SKIP "skip list").
    public var skipList: Set<String> = []
    /// Keys excluded by `--except` / `EXCEPT` (reported SKIP "skipping excluded test KEY", as a
    /// bash suite under auster reports them).
    public var excluded: Set<String> = []
    /// Keys not to run on one LNet backend (`real`, `simulated`), with the reason (`skip_on`).
    public var skipOn: [String: [String: String]] = [:]
    /// Keys whose failure is expected (does not fail the run).
    public var expectedFailures: Set<String> = []

    public init(name: String, directory: String, scripts: [TestScript]) {
        self.name = name
        self.directory = directory
        self.scripts = scripts
    }

    /// The results name of the suite: `lutf-<name>`.
    public var resultsName: String { "lutf-" + name }
}
