import Foundation
import LUTFCore

/// A kernel module tree (`/lib/modules/KVER` layout) read through its `modules.dep`.
struct ModuleTree {
    let directory: String
    /// Module name (underscores) to its path relative to `directory`.
    let paths: [String: String]
    /// Relative path to the relative paths it depends on.
    let dependencies: [String: [String]]

    init(directory: String) throws(LUTFError) {
        guard let text = try? String(contentsOfFile: directory + "/modules.dep", encoding: .utf8) else {
            throw LUTFError(.setup, "cannot read \(directory)/modules.dep")
        }
        var paths: [String: String] = [:]
        var dependencies: [String: [String]] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let path = String(line[..<colon])
            dependencies[path] = line[line.index(after: colon)...].split(separator: " ").map(String.init)
            paths[Self.name(ofPath: path)] = path
        }
        self.directory = directory
        self.paths = paths
        self.dependencies = dependencies
    }

    /// `kernel/fs/9p/9p.ko.xz` -> `9p`; dashes become underscores, as the kernel names modules.
    static func name(ofPath path: String) -> String {
        var base = Substring(path.split(separator: "/").last ?? "")
        for suffix in [".xz", ".zst", ".gz"] where base.hasSuffix(suffix) { base = base.dropLast(suffix.count) }
        if base.hasSuffix(".ko") { base = base.dropLast(3) }
        return base.replacingOccurrences(of: "-", with: "_")
    }

    /// The relative paths of `modules` and everything they need, each after what it needs.
    ///
    /// - Throws: a `setup` error naming a module that is not in the tree or whose file is missing.
    func loadOrder(_ modules: [String]) throws(LUTFError) -> [String] {
        var order: [String] = []
        var seen: Set<String> = []
        func visit(_ path: String) throws(LUTFError) {
            guard seen.insert(path).inserted else { return }
            for dependency in dependencies[path] ?? [] { try visit(dependency) }
            guard FileManager.default.fileExists(atPath: directory + "/" + path) else {
                throw LUTFError(.setup, "kit module \(directory)/\(path) is listed in modules.dep but missing")
            }
            order.append(path)
        }
        for module in modules {
            guard let path = paths[module.replacingOccurrences(of: "-", with: "_")] else {
                throw LUTFError(.setup, "the kit's modules (\(directory)) have no \(module) module")
            }
            try visit(path)
        }
        return order
    }
}
