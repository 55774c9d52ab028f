import Foundation
import LUTFCore

/// Replays a ``Transcript`` of real LNet on simulated nodes and compares what each command
/// printed.
///
/// Every node of the transcript becomes a simulated node of one fabric, starting unloaded (the
/// state the clean slate leaves a real node in: LNet loaded, unconfigured, defaults), with the
/// interfaces `interfaces(node)` gives (`eth0=10.1.0.1,eth1=10.2.0.1`: the guests' addresses).
/// `lnetctl`, `lctl` and `lst` run in the simulator and are compared; `modprobe`, `rmmod` and
/// `ip link set IF up|down` change the simulated node the way they change a real one and are
/// not compared; anything else is skipped.
public enum TranscriptReplay {
    public struct Outcome: Sendable {
        public var step: Transcript.Step
        /// Whether the step ran in the simulator and was compared.
        public var compared: Bool
        public var status: Int32
        public var stdout: String
        public var stderr: String

        /// Whether the simulator printed what the real tool did, after ``TranscriptNormalizer``.
        public var matches: Bool {
            !compared
                || (status == step.status
                    && TranscriptNormalizer.normalize(stdout) == TranscriptNormalizer.normalize(step.stdout)
                    && TranscriptNormalizer.normalize(stderr) == TranscriptNormalizer.normalize(step.stderr))
        }

        /// What differs, for people: the first differing line of each stream.
        public var difference: String? {
            guard !matches else { return nil }
            var parts: [String] = []
            if status != step.status { parts.append("exit \(status), real \(step.status)") }
            for (name, simulated, real) in [("stdout", stdout, step.stdout), ("stderr", stderr, step.stderr)] {
                let a = TranscriptNormalizer.normalize(simulated).split(
                    separator: "\n", omittingEmptySubsequences: false)
                let b = TranscriptNormalizer.normalize(real).split(separator: "\n", omittingEmptySubsequences: false)
                guard a != b else { continue }
                let index =
                    zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
                let mine = index < a.count ? String(a[index]) : "(end)"
                let theirs = index < b.count ? String(b[index]) : "(end)"
                parts.append(
                    "\(name) line \(index + 1): simulator \(mine.debugDescription), real \(theirs.debugDescription)")
            }
            return parts.joined(separator: "; ")
        }
    }

    /// Replays `transcript` with the nodes' state under `directory` (made fresh).
    public static func replay(
        _ transcript: Transcript, directory: String, interfaces: (String) -> String
    ) -> [Outcome] {
        try? FileManager.default.removeItem(atPath: directory)
        var nodes: [String: [String: String]] = [:]
        func environment(_ node: String) -> [String: String] {
            if let known = nodes[node] { return known }
            let env = [
                "LUTF_SIM_NODE": directory + "/" + node, "LUTF_SIM_FABRIC": directory + "/fabric",
                "LUTF_SIM_INTERFACES": interfaces(node), "LUTF_SIM_MAX_WAIT": "0.05",
            ]
            nodes[node] = env
            return env
        }
        // Every node exists (and publishes its interfaces) before the first command runs.
        for node in Set(transcript.steps.map(\.node)).sorted() {
            if let sim = try? SimNode.fromEnvironment(environment(node)) { _ = sim.interfaces(state: sim.load()) }
        }
        return transcript.steps.map { step in
            let env = environment(step.node).merging(step.environment) { $1 }
            var outcome = Outcome(step: step, compared: true, status: 0, stdout: "", stderr: "")
            let args = Array(step.argv.dropFirst())
            let output: SimOutput
            switch step.tool {
            case "lnetctl":
                var lines = (step.input ?? "").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                if step.input == nil { lines = [] }
                output = LNetCtl.main(args, environment: env, input: { lines.isEmpty ? nil : lines.removeFirst() })
            case "lctl":
                output = LCtl.main(args, environment: env)
            case "lst":
                output = LST.main(args, environment: env)
            default:
                outcome.compared = false
                apply(step, environment: env)
                return outcome
            }
            outcome.status = output.status
            outcome.stdout = output.stdout
            outcome.stderr = output.stderr
            return outcome
        }
    }

    /// What a command that is not an LNet tool does to a simulated node.
    static func apply(_ step: Transcript.Step, environment: [String: String]) {
        guard step.status == 0, let node = try? SimNode.fromEnvironment(environment) else { return }
        let args = Array(step.argv.dropFirst())
        switch step.tool {
        case "modprobe":
            let remove = args.contains("-r")
            for module in args where !module.hasPrefix("-") {
                if remove { try? node.unloadModule(module) } else { try? node.loadModule(module) }
            }
        case "rmmod":
            for module in args where !module.hasPrefix("-") { try? node.unloadModule(module) }
        case "ip":
            // ip link set IF up|down
            if args.count >= 4, args[0] == "link", args[1] == "set", let state = args.last,
                state == "up" || state == "down"
            {
                try? node.setLink(args[2], up: state == "up")
            }
        default:
            break
        }
    }

    /// Counts of a replay: commands compared and those that matched.
    public static func tally(_ outcomes: [Outcome]) -> (compared: Int, matched: Int) {
        let compared = outcomes.filter(\.compared)
        return (compared.count, compared.filter(\.matches).count)
    }
}

/// The one rule that makes real and simulated output comparable: values that differ from run
/// to run on real LNet are replaced by `#`.
///
/// Those are durations and times (a YAML key ending in `_nsec`, `_usec`, `_msec`, `_sec` or
/// `time`, or holding `rtt`, `latency`, `uptime`), and `lst stat` rates and bandwidths (the
/// numbers on its `[R]` and `[W]` lines, each with the padding after it). Nothing else is touched.
public enum TranscriptNormalizer {
    public static func normalize(_ text: String) -> String {
        guard text.contains(":") else { return text }
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let trimmed = line.drop { $0 == " " || $0 == "-" }
            if trimmed.hasPrefix("[R]") || trimmed.hasPrefix("[W]") {
                // The number and the padding after it (its width varies with the digits).
                return String(line).replacing(/-?[0-9]+(\.[0-9]+)? */, with: "# ")
            }
            guard let colon = trimmed.firstIndex(of: ":") else { return String(line) }
            let key = trimmed[..<colon].lowercased()
            let timing =
                ["_nsec", "_usec", "_msec", "_sec", "time"].contains(where: { key.hasSuffix($0) })
                || ["rtt", "latency", "uptime"].contains(where: { key.contains($0) })
            guard timing else { return String(line) }
            let prefix = line[..<line.index(after: colon)]
            return prefix + " #"
        }.joined(separator: "\n")
    }
}
