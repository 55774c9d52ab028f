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

    public init() {}

    /// Parses `K=V`; the value is read as YAML (`n=3` is a number, `on=true` a boolean).
    public static func param(_ text: String) throws(LUTFError) -> (String, Value) {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw LUTFError(.usage, "--param: expected KEY=VALUE, got '\(text)'")
        }
        let key = String(text[..<equals])
        let raw = String(text[text.index(after: equals)...])
        let value = (try? YAMLText.decode(raw)) ?? .string(raw)
        switch value {
        case .map, .list: return (key, .string(raw))
        default: return (key, raw.isEmpty ? .string("") : value)
        }
    }
}
