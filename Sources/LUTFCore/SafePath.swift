import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Names that become paths, checked before anything is written: a run id a client submits is one
/// path component, and what is written for it stays inside its directory.
public enum SafePath {
    /// Whether `name` is a single, plain path component: 1-100 letters, digits, `-`, `_` or `.`,
    /// not starting with `.` (so never `.` or `..`).
    public static func isComponent(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 100 && !name.hasPrefix(".")
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }

    /// Creates `base/name` as a new directory and returns its path: it fails when anything is
    /// there already (a directory, a file, a symbolic link someone planted), and checks that
    /// the result resolves inside `base`.
    ///
    /// - Throws: a `usage` error for a name that is not a plain component, an `io` error otherwise.
    public static func newDirectory(_ name: String, in base: String) throws(LUTFError) -> String {
        guard isComponent(name) else {
            throw LUTFError(
                .usage, "'\(name)' is not a plain name (letters, digits, '-', '_', '.', not starting with '.')")
        }
        do {
            try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        } catch {
            throw LUTFError(.io, "cannot create \(base): \(error.localizedDescription)")
        }
        let path = base + "/" + name
        guard mkdir(path, 0o755) == 0 else {
            let reason = errno == EEXIST ? "it exists already" : String(cString: strerror(errno))
            throw LUTFError(.io, "cannot create the directory \(path): \(reason)")
        }
        let resolvedBase = URL(fileURLWithPath: base).resolvingSymlinksInPath().path
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard resolved.hasPrefix(resolvedBase + "/") else {
            rmdir(path)
            throw LUTFError(.io, "\(path) resolves to \(resolved), outside \(resolvedBase)")
        }
        return path
    }
}

/// Reading a file a user named, with errors that say what is wrong with it (never Foundation's
/// error text).
public enum UserFile {
    /// The text of `path`; `what` names it in errors (`config`, `test file`).
    ///
    /// - Throws: a `config` error: no such file, a directory, permission denied, not UTF-8.
    public static func text(_ path: String, what: String) throws(LUTFError) -> String {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw LUTFError(.config, "\(what) \(path): \(String(cString: strerror(errno)))")
        }
        if info.st_mode & S_IFMT == S_IFDIR { throw LUTFError(.config, "\(what) \(path) is a directory, not a file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LUTFError(.config, "\(what) \(path): cannot read it (permission denied)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw LUTFError(.config, "\(what) \(path) is not UTF-8 text")
        }
        return text
    }
}
