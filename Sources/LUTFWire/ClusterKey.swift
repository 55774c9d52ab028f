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
    /// Throws a `config` error naming the file when it is missing, unreadable or not a key.
    public static func load(from path: String) throws(LUTFError) -> ClusterKey {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = access(path, F_OK) == 0 ? "permission denied" : "no such file"
            throw LUTFError(.config, "key file \(path): cannot read (\(reason)); create one with `lutf keygen \(path)`")
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
