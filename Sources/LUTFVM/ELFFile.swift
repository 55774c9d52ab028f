import Foundation
import LUTFCore

/// The few facts LUTF reads from an ELF file: its machine, whether it is statically linked, and
/// whether it has a PVH entry note (an uncompressed kernel QEMU can boot directly).
struct ELFFile {
    let machine: Int
    let hasInterpreter: Bool
    let hasPVHEntry: Bool

    var isX86_64: Bool { machine == 62 }

    var machineName: String {
        switch machine {
        case 3: return "i386"
        case 40: return "arm"
        case 62: return "x86_64"
        case 183: return "aarch64"
        case 243: return "riscv"
        case 21: return "ppc64"
        default: return "machine \(machine)"
        }
    }

    init(path: String) throws(LUTFError) {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw LUTFError(.setup, "cannot read \(path)") }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 64), head.count == 64,
            head.starts(with: [0x7f, 0x45, 0x4c, 0x46]), head[4] == 2, head[5] == 1
        else { throw LUTFError(.setup, "\(path) is not a 64-bit little-endian ELF file") }
        let bytes = [UInt8](head)
        func value(_ data: [UInt8], _ at: Int, _ size: Int) -> Int {
            (0..<size).reduce(0) { $0 | Int(data[at + $1]) << (8 * $1) }
        }
        machine = value(bytes, 18, 2)
        let programHeaders = value(bytes, 32, 8)
        let entrySize = value(bytes, 54, 2)
        let count = value(bytes, 56, 2)
        var interpreter = false
        var pvh = false
        for index in 0..<count {
            try? handle.seek(toOffset: UInt64(programHeaders + index * entrySize))
            guard let entry = try? handle.read(upToCount: entrySize), entry.count >= 56 else { break }
            let header = [UInt8](entry)
            let type = value(header, 0, 4)
            if type == 3 { interpreter = true }
            if type == 4 {  // PT_NOTE: look for Xen's note 18 (XEN_ELFNOTE_PHYS32_ENTRY)
                let offset = value(header, 8, 8)
                let size = value(header, 32, 8)
                try? handle.seek(toOffset: UInt64(offset))
                guard size < 1 << 20, let data = try? handle.read(upToCount: size) else { continue }
                let notes = [UInt8](data)
                var at = 0
                while at + 12 <= notes.count {
                    let nameSize = value(notes, at, 4)
                    let descSize = value(notes, at + 4, 4)
                    let noteType = value(notes, at + 8, 4)
                    let name = String(decoding: notes[(at + 12)..<min(notes.count, at + 12 + nameSize)], as: UTF8.self)
                    if noteType == 18 && name.hasPrefix("Xen") { pvh = true }
                    at += 12 + (nameSize + 3) / 4 * 4 + (descSize + 3) / 4 * 4
                }
            }
        }
        hasInterpreter = interpreter
        hasPVHEntry = pvh
    }
}

/// A kernel module's `.modinfo` fields.
enum ModuleInfo {
    /// The `vermagic` of a module (`6.1.0-57-amd64 SMP preempt mod_unload modversions`).
    static func vermagic(ofModule path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let marker = Data("vermagic=".utf8)
        guard let range = data.range(of: marker) else { return nil }
        let rest = data[range.upperBound...]
        return String(decoding: rest.prefix { $0 != 0 }, as: UTF8.self)
    }
}
