import Foundation

/// A cpio archive in the "newc" format the kernel unpacks as an initramfs.
struct CPIOArchive {
    private(set) var data = Data()
    private var inode = 1

    /// Adds a directory (mode 0755).
    mutating func directory(_ path: String) {
        entry(path, mode: 0o040755, contents: Data())
    }

    /// Adds a regular file.
    mutating func file(_ path: String, _ contents: Data, mode: Int = 0o644) {
        entry(path, mode: 0o100000 | mode, contents: contents)
    }

    /// Adds a symbolic link.
    mutating func symlink(_ path: String, to target: String) {
        entry(path, mode: 0o120777, contents: Data(target.utf8))
    }

    /// The archive with its trailer.
    func finished() -> Data {
        var copy = self
        copy.entry("TRAILER!!!", mode: 0, contents: Data(), inode: 0)
        return copy.data
    }

    private mutating func entry(_ path: String, mode: Int, contents: Data, inode: Int? = nil) {
        let name = Data(path.utf8) + [0]
        let fields = [
            inode ?? self.inode, mode, 0, 0, 1, 0, contents.count, 0, 0, 0, 0, name.count, 0,
        ]
        self.inode += 1
        data += Data(("070701" + fields.map { String(format: "%08X", $0) }.joined()).utf8)
        data += name
        pad()
        data += contents
        pad()
    }

    private mutating func pad() {
        let rest = data.count % 4
        if rest != 0 { data += Data(repeating: 0, count: 4 - rest) }
    }
}
