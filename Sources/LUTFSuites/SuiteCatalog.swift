import Foundation
import LUTFCore
import Subprocess

/// Finding suites and their scripts on disk.
public enum SuiteCatalog {
    /// The suites under `paths`, in the order the paths name them (suites found in one directory
    /// by name). Each path is a directory of `suite_*` directories, a suite directory itself, or
    /// one script (which selects that script alone).
    ///
    /// - Throws: a `usage` error naming a path that does not exist or holds no suites.
    public static func discover(_ paths: [String], runtime: PythonRuntime?) async throws -> [Suite] {
        var suites: [String: Suite] = [:]
        var order: [String] = []
        let fm = FileManager.default
        for raw in paths {
            let path = URL(fileURLWithPath: raw).standardizedFileURL.path
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw LUTFError(.usage, "\(raw): no such file or directory")
            }
            var found: [Suite] = []
            if !isDirectory.boolValue {
                let file = URL(fileURLWithPath: path)
                let directory = file.deletingLastPathComponent()
                guard file.lastPathComponent.hasPrefix("test_"), file.pathExtension == "py",
                    directory.lastPathComponent.hasPrefix("suite_")
                else {
                    throw LUTFError(.usage, "\(raw): not a test script (expected suite_<name>/test_<key>.py)")
                }
                var suite = try readSuite(at: directory.path)
                suite.scripts = suite.scripts.filter { $0.path == path }
                found = [suite]
            } else if URL(fileURLWithPath: path).lastPathComponent.hasPrefix("suite_") {
                found = [try readSuite(at: path)]
            } else {
                let entries = (try? fm.contentsOfDirectory(atPath: path)) ?? []
                for entry in entries.sorted() where entry.hasPrefix("suite_") {
                    var sub: ObjCBool = false
                    if fm.fileExists(atPath: path + "/" + entry, isDirectory: &sub), sub.boolValue {
                        found.append(try readSuite(at: path + "/" + entry))
                    }
                }
                if found.isEmpty {
                    throw LUTFError(.usage, "\(raw): holds no suites (directories named suite_<name>)")
                }
            }
            for suite in found {
                if var existing = suites[suite.name] {
                    guard existing.directory == suite.directory else {
                        throw LUTFError(
                            .usage, "suite '\(suite.name)' is in both \(existing.directory) and \(suite.directory)")
                    }
                    let known = Set(existing.scripts.map(\.path))
                    existing.scripts += suite.scripts.filter { !known.contains($0.path) }
                    existing.scripts.sort { naturalLess($0.key, $1.key) }
                    suites[suite.name] = existing
                } else {
                    suites[suite.name] = suite
                    order.append(suite.name)
                }
            }
        }
        var list = order.map { suites[$0]! }
        try await readSkipFiles(&list, runtime: runtime)
        return list
    }

    /// Reads one `suite_<name>` directory.
    static func readSuite(at directory: String) throws -> Suite {
        let fm = FileManager.default
        let name = String(URL(fileURLWithPath: directory).lastPathComponent.dropFirst("suite_".count))
        let entries = (try? fm.contentsOfDirectory(atPath: directory)) ?? []
        let scripts = entries.filter { $0.hasPrefix("test_") && $0.hasSuffix(".py") }.map { file in
            TestScript(suite: name, key: String(file.dropFirst(5).dropLast(3)), path: directory + "/" + file)
        }.sorted { naturalLess($0.key, $1.key) }
        var suite = Suite(name: name, directory: directory, scripts: scripts)
        if entries.contains("callbacks.py") { suite.callbacks = directory + "/callbacks.py" }
        if entries.contains("skip.py") { suite.skipFile = directory + "/skip.py" }
        return suite
    }

    /// Fills in skip lists and expected failures from the suites' `skip.py` (one Python run for all).
    static func readSkipFiles(_ suites: inout [Suite], runtime: PythonRuntime?) async throws {
        let files = suites.compactMap(\.skipFile)
        guard !files.isEmpty else { return }
        guard let runtime else { throw LUTFError(.config, "reading skip.py needs Python") }
        let env = runtime.environment(base: ProcessInfo.processInfo.environment, channel: "", token: "")
        let result = try await Subprocess.run(
            .path(.init(runtime.interpreter)), arguments: Arguments(["-m", "lutf._discover"] + files),
            environment: .exactly(env),
            output: .string(limit: 16 << 20), error: .string(limit: 1 << 20))
        guard result.terminationStatus.isSuccess,
            let parsed = try? JSONText.decode(Array(result.standardOutput.utf8))
        else {
            throw LUTFError(.failure, "reading skip.py files failed: \(result.standardError)")
        }
        for i in suites.indices {
            guard let file = suites[i].skipFile, let entry = parsed[file] else { continue }
            if let error = entry["error"]?.stringValue {
                throw LUTFError(.config, "\(file): \(error)")
            }
            suites[i].skipList = Set((entry["skip_list"]?.listValue ?? []).compactMap(\.stringValue).map(keyOf))
            suites[i].expectedFailures = Set(
                (entry["expected_failures"]?.listValue ?? []).compactMap(\.stringValue).map(keyOf))
            for (backend, tests) in entry["skip_on"]?.mapValue ?? [:] {
                for (test, reason) in tests.mapValue ?? [:] {
                    suites[i].skipOn[backend, default: [:]][keyOf(test)] = reason.plainText
                }
            }
        }
    }

    /// A test name as a key: `test_x` and `test_x.py` are `x`.
    static func keyOf(_ name: String) -> String {
        var key = name
        if key.hasSuffix(".py") { key = String(key.dropLast(3)) }
        if key.hasPrefix("test_") { key = String(key.dropFirst(5)) }
        return key
    }

    /// Orders `sample_2` before `sample_10`.
    static func naturalLess(_ a: String, _ b: String) -> Bool {
        a.compare(b, options: [.numeric]) == .orderedAscending
    }
}
