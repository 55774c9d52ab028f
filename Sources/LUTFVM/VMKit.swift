import Foundation
import LUTFCore

/// A kit of real LNet for guests: a kernel, its module tree (with Lustre's LNet modules under
/// `updates/`), and the real tools with their libraries.
///
/// ```
/// KIT/vmlinuz-KVER                         the kernel (an x86 bzImage)
/// KIT/modules/KVER/kernel/...               virtio, 9p, overlay (and what they need)
/// KIT/modules/KVER/updates/lustre/*.ko      libcfs, lnet, ksocklnd, lnet_selftest (+ Lustre's)
/// KIT/modules/KVER/modules.dep              depmod's output
/// KIT/tools/sbin/{lnetctl,lctl,lst}         the tools (+ lfs, mount.lustre, ... in a Lustre kit)
/// KIT/tools/lib/                            liblnetconfig and the libraries the tools need
/// ```
///
/// A kit is only read, never written: LUTF keeps what it derives from it (the unpacked kernel)
/// in its cache directory.
public struct VMKit: Sendable, Equatable {
    public let directory: String
    public let kernel: String
    /// The kernel's release, read from the image's header (`6.1.0-57-amd64`).
    public let kernelRelease: String
    public let modules: String
    public let tools: String
    public let libraries: String
    /// Lustre's modules in `updates/lustre`, by name (`lnet`, `ksocklnd`, `mgs`, ...).
    public let lustreModules: Set<String>
    /// The tools in `tools/sbin`, by name.
    public let toolNames: Set<String>

    /// Whether the kit can run Lustre servers (MGS, MDT, OST on the in-memory OSD) and clients.
    public var hasLustre: Bool {
        ["lustre", "mgs", "mdt", "ofd", "osd_wbcfs"].allSatisfy(lustreModules.contains)
            && toolNames.contains("mount.lustre")
    }

    /// The kernel modules a guest needs before it can reach its root file system, in load order.
    public static let bootModules = ["virtio_pci", "virtio_net", "9pnet_virtio", "9p", "overlay"]

    /// The default kit: `--kit`, else `$LUTF_LNET_KIT`, else the `shared/lnet-kit` next to LUTF's
    /// home (the project's checkout), where it exists.
    public static func locate(flag: String?, environment: [String: String], home: String?) throws(LUTFError) -> VMKit {
        if let flag { return try VMKit(directory: flag, what: "--kit") }
        if let given = environment["LUTF_LNET_KIT"], !given.isEmpty {
            return try VMKit(directory: given, what: "LUTF_LNET_KIT")
        }
        var candidates: [String] = []
        if let home {
            let parent = URL(fileURLWithPath: home).deletingLastPathComponent()
            candidates = [
                parent.path + "/shared/lnet-kit", parent.deletingLastPathComponent().path + "/shared/lnet-kit",
            ]
        }
        for candidate in candidates where FileManager.default.fileExists(atPath: candidate) {
            return try VMKit(directory: candidate, what: "the default kit")
        }
        throw LUTFError(
            .setup,
            "no LNet kit: pass --kit DIR or set LUTF_LNET_KIT (looked for \(candidates.isEmpty ? "shared/lnet-kit" : candidates.joined(separator: ", ")))"
        )
    }

    /// Reads and checks the kit in `directory`; `what` says where the path came from.
    ///
    /// - Throws: a `setup` error naming the first missing or mismatched part.
    public init(directory given: String, what: String) throws(LUTFError) {
        let fm = FileManager.default
        let directory = URL(fileURLWithPath: given).standardizedFileURL.path
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw LUTFError(.setup, "\(what) \(given): no such directory")
        }
        func problem(_ text: String) -> LUTFError { LUTFError(.setup, "kit \(directory): \(text)") }
        let entries = (try? fm.contentsOfDirectory(atPath: directory)) ?? []
        guard let kernelName = entries.filter({ $0.hasPrefix("vmlinuz") }).sorted().first else {
            throw problem("no kernel (a vmlinuz-KVER file)")
        }
        let kernel = directory + "/" + kernelName
        let header: KernelImage.Header
        do {
            header = try KernelImage.header(of: kernel)
        } catch {
            throw problem(error.message)
        }
        let release = header.release
        let modules = directory + "/modules/" + release
        guard fm.fileExists(atPath: modules + "/modules.dep") else {
            let present = ((try? fm.contentsOfDirectory(atPath: directory + "/modules")) ?? []).sorted()
            throw problem(
                "the kernel is \(release) but there is no modules/\(release)/modules.dep"
                    + (present.isEmpty ? "" : " (modules for: \(present.joined(separator: ", ")))"))
        }
        let lustreDirectory = modules + "/updates/lustre"
        let lustre = Set(
            ((try? fm.contentsOfDirectory(atPath: lustreDirectory)) ?? []).filter { $0.hasSuffix(".ko") }.map {
                String($0.dropLast(3))
            })
        for needed in ["libcfs", "lnet", "ksocklnd"] where !lustre.contains(needed) {
            throw problem("no \(needed).ko in modules/\(release)/updates/lustre")
        }
        let tools = directory + "/tools/sbin"
        let toolNames = Set((try? fm.contentsOfDirectory(atPath: tools)) ?? [])
        for needed in ["lnetctl", "lctl"] where !fm.isExecutableFile(atPath: tools + "/" + needed) {
            throw problem("no tools/sbin/\(needed)")
        }
        // Built for this kernel and this machine's guests?
        do throws(LUTFError) {
            let lnet = try ELFFile(path: lustreDirectory + "/lnet.ko")
            guard lnet.isX86_64 else { throw problem("lnet.ko is built for \(lnet.machineName), not x86_64") }
            if let vermagic = ModuleInfo.vermagic(ofModule: lustreDirectory + "/lnet.ko"),
                vermagic.split(separator: " ").first.map(String.init) != release
            {
                throw problem(
                    "lnet.ko was built for kernel \(vermagic.split(separator: " ").first ?? "?"), the kit's kernel is \(release)"
                )
            }
            let lnetctl = try ELFFile(path: tools + "/lnetctl")
            guard lnetctl.isX86_64 else { throw problem("lnetctl is built for \(lnetctl.machineName), not x86_64") }
        } catch  where error.message.hasPrefix("kit ") {
            throw error
        } catch {
            throw problem(error.message)
        }
        self.directory = directory
        self.kernel = kernel
        self.kernelRelease = release
        self.modules = modules
        self.tools = tools
        self.libraries = directory + "/tools/lib"
        self.lustreModules = lustre
        self.toolNames = toolNames
        // The boot modules must be there too (their dependencies are checked when the image is made).
        _ = try ModuleTree(directory: modules).loadOrder(Self.bootModules)
    }
}
