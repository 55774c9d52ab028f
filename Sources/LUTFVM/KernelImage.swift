import Crypto
import Foundation
import LUTFCore

/// An x86 Linux kernel image (bzImage): its release, and the uncompressed kernel inside it.
///
/// Under software emulation the guest spends 8-9 s decompressing a 8 MB bzImage before the kernel
/// starts. QEMU boots an uncompressed ELF kernel directly through its PVH entry point, so the
/// kernel is unpacked once on the host (with the matching `xz`, `gzip`, `zstd`, ... tool) and kept
/// in LUTF's cache; where that is not possible the bzImage is booted as it is.
public enum KernelImage {
    public struct Header: Sendable {
        public var release: String
        /// Where the compressed kernel is inside the file, and how long it is.
        public var payloadOffset: Int
        public var payloadLength: Int
    }

    /// Reads the boot protocol header of a bzImage.
    ///
    /// - Throws: a `setup` error when the file is not an x86 bzImage of boot protocol 2.08 or later.
    public static func header(of path: String) throws(LUTFError) -> Header {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw LUTFError(.setup, "cannot read the kernel \(path)")
        }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 64 << 10)) ?? Data()
        let bytes = [UInt8](head)
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        guard bytes.count > 0x250, bytes[0x202..<0x206].elementsEqual(Array("HdrS".utf8)) else {
            throw LUTFError(.setup, "the kernel \(path) is not an x86 bzImage (no 'HdrS' boot header)")
        }
        guard u16(0x206) >= 0x208 else {
            throw LUTFError(
                .setup, "the kernel \(path) uses boot protocol \(String(u16(0x206), radix: 16)), older than 2.08")
        }
        let setupSectors = bytes[0x1f1] == 0 ? 4 : Int(bytes[0x1f1])
        let versionAt = u16(0x20e) + 0x200
        guard versionAt < bytes.count else { throw LUTFError(.setup, "the kernel \(path) has no version string") }
        let version = String(decoding: bytes[versionAt...].prefix { $0 != 0 && $0 != 0x20 }, as: UTF8.self)
        guard !version.isEmpty else { throw LUTFError(.setup, "the kernel \(path) has no version string") }
        return Header(release: version, payloadOffset: (setupSectors + 1) * 512 + u32(0x248), payloadLength: u32(0x24c))
    }

    /// What to give QEMU's `-kernel`: the unpacked ELF kernel from the cache (made now if
    /// missing), else the image itself with the reason it could not be unpacked.
    public static func bootable(_ path: String, cache: String) async -> (path: String, note: String?) {
        do {
            return (try await unpacked(path, cache: cache), nil)
        } catch {
            let reason = (error as? LUTFError)?.message ?? "\(error)"
            return (path, "booting the compressed kernel (about 8 s slower under TCG): \(reason)")
        }
    }

    /// The uncompressed kernel of `path`, unpacked into `cache` once (keyed by the image's SHA-256).
    static func unpacked(_ path: String, cache: String) async throws -> String {
        guard let image = FileManager.default.contents(atPath: path) else {
            throw LUTFError(.setup, "cannot read the kernel \(path)")
        }
        let digest = SHA256.hash(data: image).prefix(12).map { String(format: "%02x", $0) }.joined()
        let target = "\(cache)/vmlinux-\(digest)"
        if FileManager.default.fileExists(atPath: target) { return target }
        let header = try header(of: path)
        guard header.payloadOffset + header.payloadLength <= image.count else {
            throw LUTFError(.setup, "the kernel \(path) is truncated")
        }
        let payload = image.subdata(in: header.payloadOffset..<(header.payloadOffset + header.payloadLength))
        let tools: [(magic: [UInt8], tool: String)] = [
            ([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], "xz"), ([0x1f, 0x8b], "gzip"), ([0x28, 0xb5, 0x2f, 0xfd], "zstd"),
            ([0x02, 0x21, 0x4c, 0x18], "lz4"), ([0x42, 0x5a, 0x68], "bzip2"), ([0x5d, 0x00, 0x00], "xz"),
        ]
        guard let tool = tools.first(where: { payload.starts(with: $0.magic) })?.tool else {
            throw LUTFError(.setup, "the kernel's compression is not one LUTF knows")
        }
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
        let packed = target + ".packed-\(HostInfo.randomToken(bytes: 4))"
        let partial = target + ".partial-\(HostInfo.randomToken(bytes: 4))"
        defer {
            try? FileManager.default.removeItem(atPath: packed)
            try? FileManager.default.removeItem(atPath: partial)
        }
        try payload.write(to: URL(fileURLWithPath: packed))
        let format = tool == "xz" && payload.starts(with: [0x5d, 0x00, 0x00]) ? ["--format=lzma"] : []
        // The payload may carry trailing bytes (the size word): ask for what decompresses.
        _ = try? await Command.run(
            "/bin/sh", ["-c", "\(tool) -dc \(format.joined(separator: " ")) < '\(packed)' > '\(partial)'"])
        let elf = try? ELFFile(path: partial)
        guard let elf, elf.isX86_64 else {
            throw LUTFError(.setup, "\(tool) could not unpack the kernel (is \(tool) installed?)")
        }
        guard elf.hasPVHEntry else {
            throw LUTFError(.setup, "the unpacked kernel has no PVH entry point (CONFIG_PVH), which QEMU needs")
        }
        try FileManager.default.moveItem(atPath: partial, toPath: target)
        return target
    }
}
