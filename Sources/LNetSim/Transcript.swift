import Foundation
import LUTFCore

/// A recorded session of the real LNet tools on a cluster: every command a test's helpers ran
/// on every node, in order, with its exit status and output, as `lutf run` records it in a test's
/// `tools.jsonl` (one JSON object per line: `node`, `call_ms`, `index`, `argv`, `rc`, `stdout`,
/// `stderr`, optional `input` and `env`).
///
/// ``TranscriptReplay`` runs the same commands on simulated nodes of the same names and
/// interfaces and compares what they print, which is how the simulator is held to real LNet.
public struct Transcript: Sendable {
    public struct Step: Sendable, Equatable {
        public var node: String
        public var argv: [String]
        public var input: String?
        public var environment: [String: String]
        public var status: Int32
        public var stdout: String
        public var stderr: String

        public var command: String { argv.joined(separator: " ") }
        public var tool: String { URL(fileURLWithPath: argv.first ?? "").lastPathComponent }
    }

    /// Where it came from (`suite/test`).
    public var name: String
    public var steps: [Step]

    public init(name: String, steps: [Step]) {
        self.name = name
        self.steps = steps
    }

    /// Reads a `tools.jsonl`: steps ordered by the master's clock of their calls, then by their
    /// order within the call.
    public init(name: String, jsonLines text: String) throws(LUTFError) {
        var entries: [(Double, Int, Int, Step)] = []
        for (number, line) in text.split(separator: "\n").enumerated() where !line.isEmpty {
            let value: Value
            do {
                value = try JSONText.decode(Array(line.utf8))
            } catch {
                throw LUTFError(.config, "transcript \(name) line \(number + 1): not JSON (\(error))")
            }
            guard let node = value["node"]?.stringValue, let argv = value["argv"]?.listValue?.compactMap(\.stringValue),
                !argv.isEmpty, let status = value["rc"]?.intValue
            else {
                throw LUTFError(.config, "transcript \(name) line \(number + 1): needs node, argv and rc")
            }
            var environment: [String: String] = [:]
            for (key, item) in value["env"]?.mapValue ?? [:] { environment[key] = item.plainText }
            let step = Step(
                node: node, argv: argv, input: value["input"]?.stringValue, environment: environment,
                status: Int32(status), stdout: value["stdout"]?.stringValue ?? "",
                stderr: value["stderr"]?.stringValue ?? "")
            entries.append((value["call_ms"]?.doubleValue ?? 0, value["index"]?.intValue ?? 0, number, step))
        }
        entries.sort { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }
        self.init(name: name, steps: entries.map(\.3))
    }

    /// The transcript as JSON lines (with `call_ms` the step's position, so it reads back in order).
    public var jsonLines: String {
        steps.enumerated().map { position, step in
            var line: OrderedDictionaryValue = [
                "node": .string(step.node), "call_ms": .int(position), "index": 0,
                "argv": .list(step.argv.map(Value.string)), "rc": .int(Int(step.status)),
                "stdout": .string(step.stdout), "stderr": .string(step.stderr),
            ]
            if let input = step.input { line["input"] = .string(input) }
            if !step.environment.isEmpty {
                line["env"] = .map(
                    OrderedDictionaryValue(
                        uniqueKeysWithValues: step.environment.sorted { $0.key < $1.key }.map {
                            ($0.key, .string($0.value))
                        }))
            }
            return JSONText.encodeString(.map(line))
        }.joined(separator: "\n") + "\n"
    }
}

extension Transcript {
    /// Every transcript under `directory`, sorted by name: `SUITE/TEST.jsonl` files (named
    /// `SUITE/TEST`), or a results directory's `SUITE/TEST/tools.jsonl` (named the same), those
    /// that ran any tool.
    public static func all(in directory: String) throws(LUTFError) -> [Transcript] {
        let fm = FileManager.default
        guard let files = fm.enumerator(atPath: directory)?.allObjects as? [String] else {
            throw LUTFError(.usage, "no transcripts: cannot read \(directory)")
        }
        var transcripts: [Transcript] = []
        // A transcript is SUITE/TEST.jsonl, or a results directory's SUITE/TEST/tools.jsonl (not
        // its other logs, such as timeline.jsonl).
        let isTranscript = { (file: String) in
            file.hasSuffix("/tools.jsonl") || (file.hasSuffix(".jsonl") && file.split(separator: "/").count == 2)
        }
        for file in files.sorted() where isTranscript(file) {
            guard let text = try? String(contentsOfFile: directory + "/" + file, encoding: .utf8) else {
                throw LUTFError(.io, "cannot read \(directory)/\(file)")
            }
            guard !text.isEmpty else { continue }
            let name = file.hasSuffix("/tools.jsonl") ? file.dropLast("/tools.jsonl".count) : file.dropLast(6)
            transcripts.append(try Transcript(name: String(name), jsonLines: text))
        }
        return transcripts
    }
}
