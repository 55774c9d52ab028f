import Foundation
import LUTFCore

/// What a guest boots: a small initramfs (static busybox, the kit's virtio/9p/overlay modules,
/// and `/init`), which mounts this host's root file system read-only over 9p with a writable
/// overlay in guest memory, mounts the kit and the cluster's shared state, and hands over to the
/// second stage (`guest.sh` in the state share) on that root.
///
/// So a guest runs this machine's own `python3`, `lutf` binary, suites and `sshd` without any
/// image to build per change, the kit's kernel and modules, and the kit's tools in `/usr/sbin`.
/// The guest prints `lutf-guest: ready` on its console when it serves ssh, or
/// `lutf-guest: error: WHAT` and powers off.
enum GuestImage {
    /// The 9p mount options of every share (read-only; `cache=mmap` keeps the guest coherent with
    /// files edited on the host while it runs).
    static let mountOptions = "trans=virtio,version=9p2000.L,ro,cache=mmap,msize=524288"

    /// A static busybox on this machine.
    static func busybox() throws(LUTFError) -> String {
        for path in ["/bin/busybox", "/usr/bin/busybox", "/sbin/busybox", "/usr/sbin/busybox"]
        where FileManager.default.isExecutableFile(atPath: path) {
            guard let elf = try? ELFFile(path: path), !elf.hasInterpreter else { continue }
            return path
        }
        throw LUTFError(
            .setup,
            "no static busybox (/bin/busybox) for the guests' initramfs: install busybox-static (scripts/setup does)")
    }

    /// Writes the initramfs for `kit` to `path`.
    static func write(kit: VMKit, busybox: String, to path: String) async throws {
        let tree = try ModuleTree(directory: kit.modules)
        let order = try tree.loadOrder(VMKit.bootModules)
        var archive = CPIOArchive()
        for directory in ["bin", "dev", "proc", "sys", "tmp", "lower", "upper", "newroot", "modules"] {
            archive.directory(directory)
        }
        guard let busyboxData = FileManager.default.contents(atPath: busybox) else {
            throw LUTFError(.setup, "cannot read \(busybox)")
        }
        archive.file("bin/busybox", busyboxData, mode: 0o755)
        for applet in ["sh", "mount", "mkdir", "insmod", "cat", "echo", "switch_root", "poweroff", "sync", "sleep"] {
            archive.symlink("bin/\(applet)", to: "busybox")
        }
        var names: [String] = []
        for (index, module) in order.enumerated() {
            let name = String(format: "%02d-", index) + ModuleTree.name(ofPath: module) + ".ko"
            archive.file("modules/" + name, try await moduleData(kit.modules + "/" + module))
            names.append(name)
        }
        archive.file("init", Data(stageOne(modules: names).utf8), mode: 0o755)
        try archive.finished().write(to: URL(fileURLWithPath: path))
    }

    /// A module file's contents, uncompressed (busybox's insmod takes plain `.ko` files).
    static func moduleData(_ path: String) async throws -> Data {
        let tools = [(".ko.xz", "xz"), (".ko.zst", "zstd"), (".ko.gz", "gzip")]
        if let tool = tools.first(where: { path.hasSuffix($0.0) })?.1 {
            return try await Command.runData(tool, ["-dc", path], failure: .setup)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LUTFError(.setup, "cannot read the kit module \(path)")
        }
        return data
    }

    /// `/init` of the initramfs (busybox sh, PID 1).
    static func stageOne(modules: [String]) -> String {
        """
        #!/bin/sh
        # LUTF guest, first stage (initramfs): modules, the host's root, the shares; then guest.sh.
        export PATH=/bin
        mount -t proc proc /proc
        mount -t sysfs sysfs /sys
        mount -t devtmpfs devtmpfs /dev
        say() { echo "lutf-guest: $*" > /dev/console; }
        fail() { say "error: $*"; sync; poweroff -f; sleep 5; }
        for m in \(modules.joined(separator: " ")); do
          out=$(insmod /modules/$m 2>&1) || fail "insmod ${m#*-}: $out"
        done
        opts=\(mountOptions)
        out=$(mount -t 9p -o $opts hostroot /lower 2>&1) || fail "cannot mount the host's root over 9p: $out"
        mount -t tmpfs -o mode=0755 tmpfs /upper
        mkdir -p /upper/rw /upper/work
        out=$(mount -t overlay -o lowerdir=/lower,upperdir=/upper/rw,workdir=/upper/work overlay /newroot 2>&1) \\
          || fail "cannot make the overlay root: $out"
        mkdir -p /newroot/lutf/kit /newroot/lutf/state
        out=$(mount -t 9p -o $opts kit /newroot/lutf/kit 2>&1) || fail "cannot mount the kit over 9p: $out"
        out=$(mount -t 9p -o $opts lutfstate /newroot/lutf/state 2>&1) || fail "cannot mount the cluster state: $out"
        for d in proc sys dev; do mount --move /$d /newroot/$d; done
        [ -x /newroot/bin/sh ] || fail "the host's root has no /bin/sh"
        exec switch_root /newroot /bin/sh /lutf/state/guest.sh

        """
    }
}
