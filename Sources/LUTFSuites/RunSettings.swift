import LUTFCore
import OrderedCollections

/// How each test of a run is executed.
public struct RunSettings: Sendable {
    /// Default deadline of a test in seconds (a script's `TIMEOUT` overrides it).
    public var timeout = 300.0
    /// `run(params)` gets these (from `--param K=V`).
    public var params: OrderedDictionary<String, Value> = [:]
    /// Skip the suites' `lutf_clean_setup()`.
    public var noClean = false
    /// Extra directories on the Python path of scripts.
    public var extraPythonPaths: [String] = []
    /// Seconds between SIGTERM and SIGKILL when a test's process is torn down.
    public var gracePeriod = 2.0
    /// When to collect evidence from the nodes (default: when a test fails or times out).
    public var collect = CollectPolicy.failure
    /// Seconds each node gets to hand over its evidence.
    public var collectDeadline = 10.0
    /// Reporting under auster (its results.yml, log names, skip marker), when run by lutf.sh.
    public var auster = AusterSettings()
    /// Start no test after the first that fails (auster's `FAIL_ON_ERROR`).
    public var failFast = false

    public init() {}

    /// Parses `K=V`; the value is read as YAML (`n=3` is a number, `on=true` a boolean).
    public static func param(_ text: String) throws(LUTFError) -> (String, Value) {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw LUTFError(.usage, "--param: expected KEY=VALUE, got '\(text)'")
        }
        let key = String(text[..<equals])
        let raw = String(text[text.index(after: equals)...])
        // YAML 1.2's scalars: only true/false are booleans (yes, no, on, off stay words).
        if ["yes", "no", "on", "off", "y", "n"].contains(raw.lowercased()) { return (key, .string(raw)) }
        do {
            let value = try YAMLText.decode(raw)
            return (key, raw.isEmpty ? .string("") : value)
        } catch {
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("[") || trimmed.hasPrefix("{") || trimmed.hasPrefix("\"") || trimmed.hasPrefix("'")
            else { return (key, .string(raw)) }
            throw LUTFError(
                .usage, "--param \(key): '\(raw)' is not valid YAML (\(error.description)); quote it for a string")
        }
    }
}
