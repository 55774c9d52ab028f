import Foundation
import LUTFCore

#if canImport(Glibc)
    import Glibc
#endif

/// How QEMU runs guests: KVM (hardware virtualisation, near native) or TCG (software
/// emulation: a guest reaches init in 3-7 s, an lnetctl command takes 0.1-0.4 s).
public enum Accelerator: String, Sendable, CaseIterable {
    case kvm, tcg

    /// QEMU's arguments for it.
    var arguments: [String] {
        switch self {
        case .kvm: return ["-accel", "kvm", "-cpu", "host"]
        case .tcg: return ["-accel", "tcg", "-cpu", "max"]
        }
    }

    /// KVM when this machine can use it, else TCG, and why, in a few words.
    ///
    /// `/dev/kvm` alone is not enough: some hosts (PVM-style nested setups) offer it on a CPU
    /// without vmx/svm, where stock kernels do not run.
    public static func choose(forced: Accelerator? = nil) -> (Accelerator, reason: String) {
        if let forced { return (forced, "as asked (--accel \(forced.rawValue))") }
        guard FileManager.default.fileExists(atPath: "/dev/kvm") else { return (.tcg, "there is no /dev/kvm") }
        let descriptor = open("/dev/kvm", O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else {
            return (.tcg, "/dev/kvm cannot be opened (\(String(cString: strerror(errno))))")
        }
        close(descriptor)
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let flags =
            cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") }.map {
                Set($0.split(separator: " ").map(String.init))
            } ?? []
        if let flag = ["vmx", "svm"].first(where: flags.contains) {
            return (.kvm, "/dev/kvm is usable and the CPU has \(flag)")
        }
        return (.tcg, "/dev/kvm exists but the CPU shows no vmx/svm flags")
    }

    /// A line saying which accelerator guests use and why.
    public static func describe(_ choice: (Accelerator, reason: String)) -> String {
        switch choice.0 {
        case .kvm: return "guests run under KVM: \(choice.reason)"
        case .tcg: return "guests run under TCG (software emulation, slower): \(choice.reason)"
        }
    }
}
