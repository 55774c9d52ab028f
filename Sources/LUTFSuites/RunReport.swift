import Foundation
import LUTFCore

/// `report.html` of a results directory: one self-contained page (the template's CSS and JS,
/// the run's data as JSON in its `lutf-data` element) with the run, its totals, every test and a
/// timeline per test across the nodes.
///
/// Everything comes from the results directory (`run.json`, and per test `result.json`,
/// `timeline.jsonl`, `tools.jsonl`, `output.log`, `evidence.txt` and the node directories), so
/// `lutf report DIR` rebuilds the page from a directory alone, also one `lutf collect` fetched.
/// What is missing or unreadable becomes a note on the page, never an error: a report never
/// fails the run that writes it.
public enum RunReport {
    /// The template's placeholder for the data.
    static let placeholder = "/*LUTF-REPORT-DATA*/null"
    /// The last part of a test's output.log kept on the page.
    static let outputLimit = 16 * 1024
    /// Remote calls and tool runs kept per test.
    static let entryLimit = 400

    /// Writes `DIR/report.html` from the template at `template`; returns its size in bytes.
    @discardableResult
    public static func write(results directory: String, template: String) throws(LUTFError) -> Int {
        guard let page = try? String(contentsOfFile: template, encoding: .utf8) else {
            throw LUTFError(.setup, "cannot read the report template \(template)")
        }
        guard page.components(separatedBy: placeholder).count == 2 else {
            throw LUTFError(.setup, "the report template \(template) has no single data placeholder")
        }
        // '<' escaped: no "</script>" can end the data element early, whatever a test printed.
        let data = JSONText.encodeString(self.data(results: directory)).replacingOccurrences(of: "<", with: "\\u003c")
        let html = page.replacingOccurrences(of: placeholder, with: data)
        try ResultsWriter.atomicWrite(html, to: directory + "/report.html")
        return html.utf8.count
    }

    /// The page's data (the format the template reads: see Tests/Report/sample-data.json).
    public static func data(results directory: String) -> Value {
        var notes: [String] = []
        let fm = FileManager.default
        let run = readJSON(directory + "/run.json")
        if run == nil { notes.append("run.json is missing: the run's details are not known") }
        if !fm.fileExists(atPath: directory + "/results.yml") { notes.append("results.yml is missing") }

        var tests: [(index: Int, value: OrderedDictionaryValue)] = []
        for suite in (try? fm.contentsOfDirectory(atPath: directory))?.sorted() ?? [] where suite != "nodes" {
            let suitePath = directory + "/" + suite
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: suitePath, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            for name in (try? fm.contentsOfDirectory(atPath: suitePath))?.sorted() ?? [] {
                let path = suitePath + "/" + name
                guard let result = readJSON(path + "/result.json") else {
                    if fm.fileExists(atPath: path + "/output.log") {
                        notes.append("\(suite)/\(name) has no result.json (the run ended during the test?)")
                    }
                    continue
                }
                tests.append(
                    (
                        result["index"]?.intValue ?? Int.max,
                        test(result, directory: directory, path: path, notes: &notes)
                    )
                )
            }
        }
        let ordered = tests.sorted { $0.index < $1.index }.map(\.value)
        var totals: OrderedDictionaryValue = ["PASS": 0, "FAIL": 0, "SKIP": 0, "XFAIL": 0, "XPASS": 0]
        var suites: [String] = []
        var suiteStatus: [String: String] = [:]
        var suiteDuration: [String: Double] = [:]
        for test in ordered {
            let status = test["status"]?.stringValue ?? "FAIL"
            totals[status] = .int((totals[status]?.intValue ?? 0) + 1)
            let suite = test["suite"]?.stringValue ?? "?"
            if !suites.contains(suite) { suites.append(suite) }
            suiteDuration[suite, default: 0] += test["duration_s"]?.doubleValue ?? 0
            if status == "FAIL" || status == "XPASS" {
                suiteStatus[suite] = "FAIL"
            } else if suiteStatus[suite] == nil {
                suiteStatus[suite] = "PASS"
            }
        }
        var runValue = run?.mapValue ?? [:]
        runValue["results_dir"] = .string(directory)
        runValue["files"] = .list(
            ["results.yml", "junit.xml", "results.zip", "run.json"].filter {
                fm.fileExists(atPath: directory + "/" + $0)
            }
            .map(Value.string))
        runValue["notes"] = .list((runValue["notes"]?.listValue ?? []) + notes.map(Value.string))
        return [
            "format": 1, "generated": .string(ResultsWriter.isoText(Date())),
            "complete": .bool(run?["finished"]?.boolValue ?? false), "run": .map(runValue), "totals": .map(totals),
            "suites": .list(
                suites.map { suite in
                    [
                        "name": .string(suite), "status": .string(suiteStatus[suite] ?? "PASS"),
                        "duration_s": .double(suiteDuration[suite] ?? 0), "directory": .string("suites/suite_" + suite),
                    ]
                }),
            "tests": .list(ordered.map(Value.map)),
        ]
    }

    /// One test's entry: its result, output, files, evidence, remote calls, tool runs and marks.
    static func test(_ result: Value, directory: String, path: String, notes: inout [String]) -> OrderedDictionaryValue
    {
        let suite = result["suite"]?.stringValue ?? "?"
        let key = result["key"]?.stringValue ?? "?"
        var entry: OrderedDictionaryValue = ["id": .string("\(suite)/\(key)")]
        for field in [
            "suite", "key", "name", "path", "status", "expected_failure", "unexpected_pass", "timed_out", "duration_s",
            "error", "traceback", "error_node", "started",
        ] {
            entry[field] = result[field] ?? (field == "traceback" || field == "error" ? "" : .null)
        }
        let relative = String(path.dropFirst(directory.count + 1))
        // The output: its last part when long, valid UTF-8 whatever the test wrote.
        let output = FileManager.default.contents(atPath: path + "/output.log") ?? Data()
        let cut = max(0, output.count - outputLimit)
        entry["output"] = .string(String(decoding: output.suffix(outputLimit), as: UTF8.self))
        entry["output_truncated"] = .int(cut)
        if cut > 0 { notes.append("output.log of \(suite)/\(key) was cut to its last 16 KiB (\(cut) bytes cut)") }

        var files: [Value] = []
        var evidence: OrderedDictionaryValue = [:]
        let fm = FileManager.default
        for name in (try? fm.contentsOfDirectory(atPath: path))?.sorted() ?? [] {
            var isDirectory: ObjCBool = false
            if fm.fileExists(atPath: path + "/" + name, isDirectory: &isDirectory), isDirectory.boolValue {
                let inside = ((try? fm.contentsOfDirectory(atPath: path + "/" + name)) ?? []).sorted()
                evidence[name] = .list(inside.map(Value.string))
                files += inside.map { .string("\(relative)/\(name)/\($0)") }
            } else if name != "result.json" {
                files.append(.string("\(relative)/\(name)"))
            }
        }
        entry["files"] = .list(files)
        entry["evidence"] = .map(evidence)
        var problems: OrderedDictionaryValue = [:]
        let evidenceText = (try? String(contentsOfFile: path + "/evidence.txt", encoding: .utf8)) ?? ""
        for line in evidenceText.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":"), let mark = line.range(of: "; problems: ") else { continue }
            problems[String(line[..<colon])] = .string(String(line[mark.upperBound...]))
        }
        entry["evidence_problems"] = .map(problems)

        var calls: [Value] = []
        var marks: [Value] = []
        var deadline: Value = .null
        for item in readJSONLines(path + "/timeline.jsonl") {
            switch item["kind"]?.stringValue {
            case "call": calls.append(item.removing("kind"))
            case "end": deadline = item["deadline_ms"] ?? .null
            case .some: marks.append(item)
            case nil: continue
            }
        }
        var tools: [Value] = []
        var offsets: [String: Double] = [:]
        var faults = 0
        for item in readJSONLines(path + "/tools.jsonl") {
            let node = item["node"]?.stringValue ?? "?"
            let callStart = item["call_ms"]?.doubleValue ?? 0
            let key = "\(node) \(callStart)"
            // The tools of one call ran one after the other from its start.
            let start = callStart + (item["index"]?.intValue == 0 ? 0 : offsets[key] ?? 0)
            let length = item["ms"]?.doubleValue ?? 0
            offsets[key] = start - callStart + length
            let argv = item["argv"]?.listValue?.compactMap(\.stringValue) ?? []
            tools.append([
                "node": .string(node), "argv": .list(argv.map(Value.string)), "start_ms": .double(start),
                "end_ms": .double(start + length), "rc": item["rc"] ?? .null,
                "call": callIndex(of: node, startingAt: callStart, in: calls).map(Value.int) ?? .null,
            ])
            if let mark = toolMark(argv, node: node, at: start, faults: &faults) { marks.append(mark) }
        }
        if calls.count > entryLimit || tools.count > entryLimit {
            notes.append(
                "\(suite)/\(key): \(max(0, calls.count - entryLimit)) remote calls and \(max(0, tools.count - entryLimit)) tool runs left out of the page (all are in rpc.log and tools.jsonl)"
            )
        }
        entry["deadline_ms"] = deadline
        entry["calls"] = .list(Array(calls.prefix(entryLimit)))
        entry["tools"] = .list(Array(tools.prefix(entryLimit)))
        entry["marks"] = .list(marks.sorted { ($0["at_ms"]?.doubleValue ?? 0) < ($1["at_ms"]?.doubleValue ?? 0) })
        return entry
    }

    /// The mark a tool run makes on the timeline: a fault rule added or removed, a link taken
    /// down or up.
    static func toolMark(_ argv: [String], node: String, at: Double, faults: inout Int) -> Value? {
        func mark(_ kind: String, _ name: String) -> Value {
            [
                "kind": .string(kind), "node": .string(node), "at_ms": .double(at),
                "label": .string(argv.joined(separator: " ")),
                "name": .string(name),
            ]
        }
        switch (argv.first, argv.dropFirst().first) {
        case ("lctl", let op?) where op.hasSuffix("_add") && (op.hasPrefix("net_drop") || op.hasPrefix("net_delay")):
            faults += 1
            return mark("fault_add", "\(op.hasPrefix("net_drop") ? "drop" : "delay")#\(faults)")
        case ("lctl", let op?)
        where op.hasPrefix("net_drop_del") || op.hasPrefix("net_delay_del")
            || op.hasPrefix("net_drop_reset") || op.hasPrefix("net_delay_reset"):
            return mark("fault_del", op.hasPrefix("net_drop") ? "drop" : "delay")
        case ("lnetctl", "fault"):
            let add = argv.contains("add")
            if add { faults += 1 }
            return mark(add ? "fault_add" : "fault_del", "\(argv.dropFirst(2).first ?? "rule")#\(faults)")
        case ("ip", "link") where argv.count >= 5 && (argv.last == "down" || argv.last == "up"):
            return mark(argv.last == "down" ? "link_down" : "link_up", argv[3])
        case (_, "sim") where argv.count == 5 && argv[2] == "link" && (argv[4] == "down" || argv[4] == "up"):
            // The simulator's `lutf sim link IF up|down`, what `ip link set` is on a real node.
            return mark(argv[4] == "down" ? "link_down" : "link_up", argv[3])
        default:
            return nil
        }
    }

    /// The remote call on `node` that started at `start` ms (both times from the master's clock).
    static func callIndex(of node: String, startingAt start: Double, in calls: [Value]) -> Int? {
        calls.firstIndex {
            $0["node"]?.stringValue == node && abs(($0["start_ms"]?.doubleValue ?? -10) - start) < 0.2
        }
    }

    static func readJSON(_ path: String) -> Value? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONText.decode(Array(data))
    }

    /// Each line that parses; a truncated last line (a killed run) is left out.
    static func readJSONLines(_ path: String) -> [Value] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return data.split(separator: UInt8(ascii: "\n")).compactMap { try? JSONText.decode(Array($0)) }
    }
}
