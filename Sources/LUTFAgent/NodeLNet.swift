import Foundation
import LNetSim
import LUTFCore
import OrderedCollections
import Subprocess
import Synchronization
import SystemPackage

/// What an agent does to its node's LNet without Python, for the test runner: `mark` (the
/// test's start mark in the LNet debug log), `clean` (the clean slate: LNet unconfigured and
/// fault rules gone) and `collect` (the evidence of a failed test: the debug log since the
/// mark, `lnetctl export`, `stats show`, `peer show -v`, the kernel log tail, the agent's own
/// log and a listing of crash dumps). Every tool runs with a deadline; one that fails or runs
/// late is reported, not waited on. On a simulated node the tools run in this process.
public struct NodeLNet: AgentCallHandler {
    public static let functions = ["mark", "clean", "collect"]

    public init() {}

    public func accepts(_ request: OrderedDictionary<String, Value>) -> Bool {
        request["type"]?.stringValue == "function_call" && (request["script"] ?? .null).isNull
            && Self.functions.contains(request["fname"]?.stringValue ?? "")
    }

    public func handle(_ request: OrderedDictionary<String, Value>, agent: Agent) async throws -> Value {
        let parameters = request["parameters"] ?? [:]
        let simulated = agent.simulatedLNet
        // Loading modules under software emulation takes seconds; the call itself is bounded by
        // its test's deadline.
        let fname = request["fname"]?.stringValue
        let deadline = parameters["deadline"]?.doubleValue ?? (fname == "clean" ? 120 : 10)
        let tools = ToolRunner(simulated: simulated, deadline: deadline)
        switch request["fname"]?.stringValue {
        case "mark":
            let text = parameters["text"]?.stringValue ?? "lutf"
            let result = await tools.run("lctl", ["mark", text])
            return .bool(result.status == 0)
        case "clean":
            return try await clean(simulated: simulated, tools: tools)
        default:
            return await collect(mark: parameters["mark"]?.stringValue, tools: tools)
        }
    }

    /// The clean slate. A simulated node is unloaded and its interfaces brought back up. A real
    /// one is brought to the same state: interfaces a test took down brought back up, drop and
    /// delay rules reset, lnet_selftest unloaded,
    /// LNet unconfigured, and every global setting at its default again: when any of lnet's
    /// module parameters (where `lnetctl set` keeps the globals) differs from what it was right
    /// after lnet was last loaded, the LNDs and lnet are unloaded and lnet is loaded again
    /// (libcfs stays, with its debug log). A failure (EBUSY while Lustre is mounted, a module in
    /// use) is an error: the test would not start from a clean slate.
    ///
    /// The rules are reset only while LNet is configured, before it is unconfigured: `lctl
    /// net_drop_reset` on an unconfigured LNet dereferences a NULL pointer in
    /// lnet_drop_rule_reset (seen on 6.1 with lustre c881f8eb) and the next call locks up the CPU.
    func clean(simulated: SimulatedLNet?, tools: ToolRunner) async throws -> Value {
        if let simulated {
            try simulated.node.unload(bringLinksUp: true)
            return "simulated"
        }
        let loaded = { (module: String) in FileManager.default.fileExists(atPath: "/sys/module/\(module)") }
        var done: [String] = []
        func reload() async throws {
            let modules = loaded("lnet") ? Self.lnds.filter(loaded) + ["lnet"] : []
            if !modules.isEmpty, let problem = await tools.process("rmmod", modules).problem {
                throw LUTFError(.failure, problem)
            }
            if let problem = await tools.process("modprobe", ["lnet"]).problem { throw LUTFError(.failure, problem) }
            let fresh = Self.parameters()
            Self.defaults.withLock { $0 = fresh }
            Self.saveDefaults(fresh)
            done.append(modules.isEmpty ? "lnet loaded" : "\(modules.joined(separator: ", ")) reloaded")
        }
        // Interfaces a test took down come back up: those that were up at the first clean slate.
        let interfaces = NetworkInterface.discover().filter { !$0.isLoopback }
        let wereUp = Self.upInterfaces.withLock { known in
            if known == nil {
                known = Self.savedUpInterfaces() ?? Set(interfaces.filter(\.isUp).map(\.name))
                Self.saveUpInterfaces(known!)
            }
            return known!
        }
        for interface in interfaces where !interface.isUp && wereUp.contains(interface.name) {
            if let problem = await tools.process("ip", ["link", "set", interface.name, "up"]).problem {
                throw LUTFError(.failure, problem)
            }
            done.append("\(interface.name) brought up")
        }
        guard loaded("lnet") else {
            guard FileManager.default.isExecutableFile(atPath: Command.which("lnetctl")) else { return "no lnetctl" }
            try await reload()
            return .string(done.joined(separator: "; "))
        }
        // lnet_selftest holds LNet up: `lnet unconfigure` fails with EBUSY while it is loaded.
        if loaded("lnet_selftest") {
            if let problem = await tools.process("rmmod", ["lnet_selftest"]).problem {
                throw LUTFError(.failure, problem)
            }
            done.append("lnet_selftest unloaded")
        }
        if await tools.run("lnetctl", ["net", "show"]).status == 0 {
            for rule in ["net_drop_reset", "net_delay_reset"] {
                if let problem = await tools.run("lctl", [rule]).problem { throw LUTFError(.failure, problem) }
            }
            if let problem = await tools.run("lnetctl", ["lnet", "unconfigure"]).problem {
                throw LUTFError(.failure, problem)
            }
            done.append("fault rules reset, LNet unconfigured")
        }
        if let defaults = Self.defaults.withLock({ $0 }) ?? Self.savedDefaults(), defaults == Self.parameters() {
            return .string(done.isEmpty ? "clean" : done.joined(separator: "; "))
        }
        try await reload()
        return .string(done.joined(separator: "; "))
    }

    /// The clean slate of this (real) node, outside an agent; `reloadAlways` reloads lnet even
    /// when its settings look like the defaults (this process has not seen them loaded).
    public static func cleanLocalNode(reloadAlways: Bool) async throws -> String {
        if reloadAlways { defaults.withLock { $0 = [:] } }
        let result = try await NodeLNet().clean(simulated: nil, tools: ToolRunner(simulated: nil, deadline: 120))
        return result.plainText
    }

    /// The interfaces that were up at the first clean slate of this boot, by any LUTF process
    /// (kept in `upInterfacesFile`, so `lutf node-clean` brings up what a test took down).
    static let upInterfaces = Mutex<Set<String>?>(nil)

    static let upInterfacesFile = "/run/lutf-up-interfaces.json"

    static func saveUpInterfaces(_ names: Set<String>) {
        guard let data = try? JSONSerialization.data(withJSONObject: names.sorted()) else { return }
        try? data.write(to: URL(fileURLWithPath: upInterfacesFile), options: .atomic)
    }

    static func savedUpInterfaces() -> Set<String>? {
        guard let data = FileManager.default.contents(atPath: upInterfacesFile),
            let names = try? JSONSerialization.jsonObject(with: data) as? [String]
        else { return nil }
        return Set(names)
    }

    /// lnet's module parameters right after the agent last loaded it (nil before it has).
    static let defaults = Mutex<[String: String]?>(nil)

    /// Where the parameters of lnet as last loaded by LUTF are kept for this boot (so another
    /// LUTF process, `lutf node-clean` or a restarted agent, knows them too).
    static let defaultsFile = "/run/lutf-lnet-defaults.json"

    static func saveDefaults(_ values: [String: String]) {
        guard let data = try? JSONSerialization.data(withJSONObject: values, options: [.sortedKeys]) else { return }
        try? data.write(to: URL(fileURLWithPath: defaultsFile), options: .atomic)
    }

    static func savedDefaults() -> [String: String]? {
        guard let data = FileManager.default.contents(atPath: defaultsFile),
            let values = try? JSONSerialization.jsonObject(with: data) as? [String: String]
        else { return nil }
        return values
    }

    /// lnet's module parameters now (`/sys/module/lnet/parameters`).
    static func parameters() -> [String: String] {
        let directory = "/sys/module/lnet/parameters"
        var values: [String: String] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
            values[name] = try? String(contentsOfFile: directory + "/" + name, encoding: .utf8)
        }
        return values
    }

    /// LNet's network drivers, which must go before lnet itself.
    static let lnds = ["ksocklnd", "ko2iblnd", "kkfilnd", "kgnilnd"]

    func collect(mark: String?, tools: ToolRunner) async -> Value {
        var files = OrderedDictionary<String, Value>()
        var problems = OrderedDictionary<String, Value>()
        func add(_ name: String, _ result: ToolRunner.Result) {
            if let problem = result.problem {
                problems[name] = .string(
                    problem.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(
                        separator: " "))
            }
            files[name] = .string(result.stdout + result.stderr)
        }
        async let dk = tools.run("lctl", ["dk"])
        async let export = tools.run("lnetctl", ["export"])
        async let stats = tools.run("lnetctl", ["stats", "show"])
        async let peers = tools.run("lnetctl", ["peer", "show", "-v"])
        async let kernel = tools.kernelLog(lines: 200)
        var dkResult = await dk
        if let mark, let range = dkResult.stdout.range(of: "DEBUG MARKER: \(mark)\n") {
            dkResult.stdout = String(dkResult.stdout[range.upperBound...])
        }
        add("lctl-dk.log", dkResult)
        add("lnetctl-export.yaml", await export)
        add("stats.yaml", await stats)
        add("peers.yaml", await peers)
        add("kernel.log", await kernel)
        files["agent.log"] = .string(LogRing.shared.text)
        files["crash-dumps.txt"] = .string(Self.crashDumps())
        return ["files": .map(files), "problems": .map(problems)]
    }

    /// A listing of `/var/crash` (where kdump leaves vmcores).
    static func crashDumps() -> String {
        let fm = FileManager.default
        guard let entries = fm.enumerator(atPath: "/var/crash")?.allObjects as? [String], !entries.isEmpty else {
            return "no crash dumps in /var/crash\n"
        }
        return entries.sorted().map { entry -> String in
            let size = (try? fm.attributesOfItem(atPath: "/var/crash/" + entry)[.size] as? Int) ?? 0
            return "\(size)\t/var/crash/\(entry)"
        }.joined(separator: "\n") + "\n"
    }
}

/// Runs this node's LNet tools with a deadline: the simulator's in this process on a simulated
/// node, the real ones as processes otherwise.
struct ToolRunner: Sendable {
    var simulated: SimulatedLNet?
    var deadline: Double

    struct Result: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
        /// Why the output is missing or partial (failed, too slow, tool absent).
        var problem: String?
        /// The tool could not be started (not installed).
        var missing = false

        /// A finished command: a problem unless it exited 0.
        init(_ command: String, status: Int32, stdout: String, stderr: String) {
            (self.status, self.stdout, self.stderr) = (status, stdout, stderr)
            problem = status == 0 ? nil : "\(command) exited \(status): \(stderr)"
        }

        /// No output, for `problem`.
        init(problem: String, missing: Bool = false) {
            (status, stdout, stderr, self.problem, self.missing) = (-1, "", "", problem, missing)
        }
    }

    func run(_ tool: String, _ args: [String]) async -> Result {
        if let simulated {
            let base = ProcessInfo.processInfo.environment
            let env = base.merging(simulated.workerEnvironment(base: base)) { $1 }
            let output: SimOutput
            switch tool {
            case "lnetctl": output = LNetCtl.main(args, environment: env, input: { nil })
            case "lctl": output = LCtl.main(args, environment: env)
            default: output = LST.main(args, environment: env)
            }
            return Result(
                ([tool] + args).joined(separator: " "), status: output.status, stdout: output.stdout,
                stderr: output.stderr)
        }
        return await process(tool, args)
    }

    func process(_ executable: String, _ args: [String]) async -> Result {
        let deadline = self.deadline
        do {
            return try await withTimeout(seconds: deadline) {
                let result = try await Subprocess.run(
                    .name(executable), arguments: Arguments(args), output: .string(limit: 32 << 20),
                    error: .string(limit: 1 << 20))
                let status: Int32
                switch result.terminationStatus {
                case .exited(let code): status = code
                case .signaled(let signal): status = 128 + signal
                }
                return Result(
                    ([executable] + args).joined(separator: " "), status: status, stdout: result.standardOutput,
                    stderr: result.standardError)
            }
        } catch let error as LUTFError where error.code == .timeout {
            return Result(problem: "\(executable) did not finish within \(deadline.secondsText)")
        } catch {
            return Result(problem: "cannot run \(executable): \(error)", missing: true)
        }
    }

    /// The kernel log's tail: `dmesg`, else the journal's kernel messages.
    func kernelLog(lines: Int) async -> Result {
        let dmesg = await process("dmesg", [])
        if dmesg.problem == nil {
            let tail = dmesg.stdout.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(
                separator: "\n")
            return Result("dmesg", status: 0, stdout: tail, stderr: "")
        }
        let journal = await process("journalctl", ["-k", "-n", String(lines), "--no-pager"])
        if journal.problem == nil { return journal }
        return Result(problem: "no kernel log: \(dmesg.problem ?? ""); \(journal.problem ?? "")")
    }
}
