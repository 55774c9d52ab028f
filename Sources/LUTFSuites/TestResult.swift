import LUTFCore

/// PASS, FAIL or SKIP: the statuses auster's results know.
public enum TestStatus: String, Sendable {
    case pass = "PASS"
    case fail = "FAIL"
    case skip = "SKIP"
}

/// The outcome of one test script.
public struct TestResult: Sendable {
    public var script: TestScript
    public var status: TestStatus
    /// Seconds the test took (skipped: 0).
    public var duration: Double
    /// Why it failed or was skipped; empty for a pass.
    public var error: String
    /// Extra keys a script returned, or the remote exception's node and traceback.
    public var details: Value
    /// Listed in `expected_failures` and failed: recorded SKIP ("expected failure: ...") and
    /// does not fail the run.
    public var expectedFailure = false
    /// Listed in `expected_failures` but passed.
    public var unexpectedPass = false

    public init(script: TestScript, status: TestStatus, duration: Double, error: String, details: Value = [:]) {
        self.script = script
        self.status = status
        self.duration = duration
        self.error = error
        self.details = details
    }

    /// Whether this result makes the run fail.
    public var failsRun: Bool { status == .fail }

    /// The word progress lines show: PASS, FAIL, SKIP, XFAIL (expected failure), XPASS.
    public var label: String {
        if expectedFailure { return "XFAIL" }
        if unexpectedPass { return "XPASS" }
        return status.rawValue
    }
}
