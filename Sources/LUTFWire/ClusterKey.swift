import Crypto
import Foundation
import LUTFCore

/// The shared secret every master and agent of a cluster holds.
///
/// Stored as hex text in a file created by `lutf keygen` (mode 0600). Nothing is accepted on a
/// connection before the peer proves it holds the same key.
public struct ClusterKey: Sendable {
    public let key: SymmetricKey
    /// Where the key came from, for messages.
    public let source: String

    public static let minimumBytes = 16

    public init(bytes: [UInt8], source: String) {
        self.key = SymmetricKey(data: bytes)
        self.source = source
    }

    /// A new random 256-bit key.
    public static func generate() -> ClusterKey {
        ClusterKey(bytes: SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }, source: "generated")
    }

    /// The key as the hex text stored in key files.
    public var hexText: String {
        key.withUnsafeBytes { Hex.encode(Array($0)) }
    }

    /// Writes a new random key to `path` with mode 0600; refuses to replace an existing file
    /// unless `force`.
    public static func writeNew(to path: String, force: Bool) throws(LUTFError) -> ClusterKey {
        let key = generate()
        let fm = FileManager.default
        if fm.fileExists(atPath: path) && !force {
            throw LUTFError(.usage, "\(path) already exists; pass --force to replace it")
        }
        let tmp = path + ".tmp\(getpid())"
        let data = Data((key.hexText + "\n").utf8)
        guard fm.createFile(atPath: tmp, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw LUTFError(.io, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        do {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: tmp))
            try handle.write(contentsOf: data)
            try handle.close()
            chmod(tmp, 0o600)
            guard rename(tmp, path) == 0 else {
                throw LUTFError(.io, "cannot write \(path): \(String(cString: strerror(errno)))")
            }
        } catch let error as LUTFError {
            unlink(tmp)
            throw error
        } catch {
            unlink(tmp)
            throw LUTFError(.io, "cannot write \(path): \(error.localizedDescription)")
        }
        return key
    }

    /// Loads a key file written by `lutf keygen`.
    ///
    /// The file must be a regular file owned by this user (or root) that nobody else can read
    /// or write: whoever can read the key can run any code as the agents' user on every agent.
    ///
    /// Throws a `config` error naming the file when it is missing, unreadable, open to others or
    /// not a key. A path that is not a file is not echoed in full (it may be a secret given to
    /// `--key` by mistake).
    public static func load(from path: String) throws(LUTFError) -> ClusterKey {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            let shown = Self.looksLikeSecret(path) ? "(the value given is not shown: it may be a secret)" : path
            throw LUTFError(
                .config, "key file \(shown): no such file; create one with `lutf keygen FILE` and pass its path")
        }
        let type = info.st_mode & S_IFMT
        if type == S_IFLNK {
            // A link is followed only to a file that passes the same checks.
            guard stat(path, &info) == 0 else { throw LUTFError(.config, "key file \(path): a dangling link") }
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            let what = info.st_mode & S_IFMT == S_IFDIR ? "a directory" : "not a regular file"
            throw LUTFError(.config, "key file \(path) is \(what); give the file `lutf keygen` wrote")
        }
        if info.st_uid != geteuid() && info.st_uid != 0 {
            throw LUTFError(
                .config,
                "key file \(path) belongs to uid \(info.st_uid), not to this user (uid \(geteuid())): refusing a key another user controls"
            )
        }
        if info.st_mode & 0o077 != 0 {
            throw LUTFError(
                .config,
                "key file \(path) has mode \(String(info.st_mode & 0o777, radix: 8)): others could read or replace the key; run chmod 600 \(path)"
            )
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LUTFError(.config, "key file \(path): cannot read (permission denied)")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = Hex.decode(text) else {
            throw LUTFError(.config, "key file \(path): not a LUTF key (expected hex text from `lutf keygen`)")
        }
        guard bytes.count >= minimumBytes else {
            throw LUTFError(
                .config, "key file \(path): key is \(bytes.count) bytes, at least \(minimumBytes) are needed")
        }
        return ClusterKey(bytes: bytes, source: path)
    }

    /// Whether a `--key` value that is no file looks like key material rather than a path (long
    /// hex or base64 text without a slash).
    static func looksLikeSecret(_ value: String) -> Bool {
        value.count >= 16 && !value.contains("/")
            && value.allSatisfy { $0.isLetter || $0.isNumber || "+=_-".contains($0) }
    }
}

/// Lower-case hex text.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xf)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0, !chars.isEmpty else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

extension ClusterKey {
    /// The key named by `--key`, else `$LUTF_KEY`, else a configuration file's `key`.
    ///
    /// - Throws: a `usage` error saying how to provide one when none is given.
    public static func resolve(flag: String?, environment: [String: String], configured: String?) throws(LUTFError)
        -> ClusterKey
    {
        guard let path = flag ?? environment["LUTF_KEY"].flatMap({ $0.isEmpty ? nil : $0 }) ?? configured else {
            throw LUTFError(
                .usage,
                "no cluster key: pass --key FILE, set LUTF_KEY, or set 'key' in the configuration file (create one with `lutf keygen FILE`)"
            )
        }
        return try load(from: path)
    }
}
