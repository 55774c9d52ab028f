import Crypto
import Foundation
import LUTFCore
import LUTFSuites
import NIOCore
import NIOPosix
import ServiceLifecycle

/// What a VM cluster is made of.
public struct VMClusterOptions: Sendable {
    public var name = "lutf"
    public var nodes = 3
    /// LNet interfaces per guest (`eth0`...), each on a network shared by all guests.
    public var interfaces = 1
    /// Guest memory in MiB (default: 2048).
    public var memory: Int?
    public var cpus = 1
    /// The master port the cluster file names (0: whatever port the master gets).
    public var port = LUTFDefaults.masterPort
    /// Seconds each guest may take to boot (default: 240 under TCG, 60 under KVM).
    public var bootTimeout: Double?
    public var accelerator: Accelerator?
    /// Extra kernel command line for every guest (`loglevel=8`, `slub_debug`, ...).
    public var append = ""

    public init() {}

    public func validate() throws(LUTFError) {
        guard !name.isEmpty, name.count <= 8, name.allSatisfy({ $0.isLowercase || $0.isNumber }) else {
            throw LUTFError(.usage, "--name must be 1 to 8 lowercase letters or digits, got '\(name)'")
        }
        guard (1...16).contains(nodes) else { throw LUTFError(.usage, "--nodes must be from 1 to 16, got \(nodes)") }
        guard (1...4).contains(interfaces) else {
            throw LUTFError(.usage, "--interfaces must be from 1 to 4, got \(interfaces)")
        }
        if let memory, !(256...65536).contains(memory) {
            throw LUTFError(.usage, "--memory must be from 256 to 65536 MiB, got \(memory)")
        }
        guard (1...16).contains(cpus) else { throw LUTFError(.usage, "--cpus must be from 1 to 16, got \(cpus)") }
    }
}

/// A cluster of QEMU guests running the kernel's real LNet from a kit, each reachable over ssh
/// like a real Lustre node, for `lutf launch` (and `lutf run --vm`).
///
/// Guest `n` (1-based) boots the kit's kernel with this machine's root file system read-only
/// over 9p (a writable overlay in guest memory; see ``GuestImage``), loads the kit's LNet
/// modules and serves ssh. Its LNet interfaces `eth0`... have addresses `10.<j+1>.0.<n>/24`
/// (the embedded cluster's scheme, so NIDs are the same simulated and real) on networks joined
/// by LUTF's own ``EthernetSwitch``; traffic between guests crosses their kernels' socklnd. A
/// separate management NIC (`lutf0`, QEMU's user-mode network) carries ssh (forwarded from
/// a port on 127.0.0.1) and the agents' connection to the master (the guests' 10.0.2.2 is this
/// machine's 127.0.0.1); the guests have no default route, so they reach nothing else.
///
/// Nothing needs root. Every QEMU is a child with a lifeline (``ProcessSpec/lifeline``): it dies
/// with the process that runs this cluster, however that ends.
public final class VMCluster: Service, Sendable {
    public let options: VMClusterOptions
    public let kit: VMKit
    public let state: String
    public let accelerator: (Accelerator, reason: String)
    private let supervisor = ProcessSupervisor()
    private let readyBox = OneShot<ClusterFile>()
    private let ethernet: EthernetSwitch
    private let guests: [Guest]
    private let say: @Sendable (String) -> Void

    /// The cluster file `lutf launch --cluster` takes.
    public var clusterFile: String { state + "/cluster.yaml" }
    /// The ssh identity of the guests' root.
    var identity: String { state + "/id_ed25519" }
    var share: String { state + "/share" }

    /// Enabling routing allocates LNet's router buffers (1 GiB of large buffers by default): a
    /// guest needs 2 GiB for that, and for a Lustre server's in-memory targets.
    public var memory: Int { options.memory ?? 2048 }
    public var bootTimeout: Double { options.bootTimeout ?? (accelerator.0 == .kvm ? 60 : 240) }

    /// One guest: its name, role, MACs and addresses.
    struct Guest: Sendable {
        var index: Int
        var name: String
        var role: String
        var sshPort = 0
        let booted = OneShot<Void>()
        let console: String

        init(index: Int, name: String, role: String, state: String) {
            self.index = index
            self.name = name
            self.role = role
            self.console = "\(state)/console-\(name).log"
        }

        func mac(network: Int) -> String { String(format: "52:54:00:%02x:%02x:%02x", 0x10 + network, index, 1) }
        var managementMAC: String { String(format: "52:54:00:ff:%02x:01", index) }
        func address(network: Int) -> String { "10.\(network + 1).0.\(index)" }
    }

    /// A cluster of `options` from `kit` whose state (sockets, keys, logs, the cluster file) is in
    /// the directory `state`, which the caller has created and owns; `say` gets progress lines
    /// (the accelerator, each guest booted).
    public init(
        options: VMClusterOptions, kit: VMKit, state: String, say: @escaping @Sendable (String) -> Void
    ) throws(LUTFError) {
        try options.validate()
        self.say = say
        self.options = options
        self.kit = kit
        self.state = state
        accelerator = Accelerator.choose(forced: options.accelerator)
        guests = EmbeddedCluster.members(count: options.nodes).enumerated().map { index, member in
            Guest(index: index + 1, name: member.name, role: member.role, state: state)
        }
        var sockets: [EthernetSwitch.Port: String] = [:]
        for guest in guests {
            for network in 0..<options.interfaces {
                sockets[EthernetSwitch.Port(network: network, node: guest.index)] =
                    "\(state)/net\(network)-\(guest.index).sock"
            }
        }
        ethernet = EthernetSwitch(sockets: sockets)
    }

    /// The cluster file once every guest has booted.
    ///
    /// - Throws: why the cluster did not come up (a guest that did not boot, with its console's
    ///   last lines; a module that did not load; QEMU missing).
    public func ready() async throws -> ClusterFile { try await readyBox.value }

    /// Boots the guests and keeps them running until cancelled or shut down gracefully; then
    /// stops them.
    public func run() async throws {
        try await cancelWhenGracefulShutdown { try await self.serve() }
    }

    private func serve() async throws {
        let say = self.say
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.supervisor.run() }
            defer { group.cancelAll() }
            do {
                let file = try await boot(say: say)
                readyBox.succeed(file)
            } catch {
                readyBox.fail(error)
                await supervisor.stopAll()
                await ethernet.stop()
                throw error
            }
            // Serve until cancelled.
            do {
                try await Task.sleep(for: .seconds(365 * 86400))
            } catch {}
            await supervisor.stopAll()
            await ethernet.stop()
        }
    }

    private func boot(say: @escaping @Sendable (String) -> Void) async throws -> ClusterFile {
        guard let qemu = Command.find("qemu-system-x86_64") else {
            throw LUTFError(.setup, "no qemu-system-x86_64: install qemu-system-x86 (scripts/setup does)")
        }
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd") else {
            throw LUTFError(.setup, "no /usr/sbin/sshd for the guests: install openssh-server (scripts/setup does)")
        }
        say(Accelerator.describe(accelerator))
        let busybox = try GuestImage.busybox()
        let fm = FileManager.default
        try fm.createDirectory(atPath: share + "/guests", withIntermediateDirectories: true)
        let (kernel, note) = await KernelImage.bootable(kit.kernel, cache: Self.cacheDirectory + "/kernels")
        if let note { say(note) }
        let initramfs = state + "/initramfs.cpio"
        try await GuestImage.write(kit: kit, busybox: busybox, to: initramfs)
        try await writeKeys()
        var guests = self.guests
        for index in guests.indices { guests[index].sshPort = try Self.freePort() }
        try writeShare(guests: guests, busybox: busybox)
        try await ethernet.start()

        let started = Monotonic.nanoseconds()
        var processes: [String: ChildProcess] = [:]
        for guest in guests {
            processes[guest.name] = try await supervisor.start(
                qemuSpec(guest, qemu: qemu, kernel: kernel, initramfs: initramfs))
        }
        let timeout = bootTimeout
        try await withThrowingTaskGroup(of: Void.self) { group in
            for guest in guests {
                let process = processes[guest.name]!
                group.addTask {
                    try await self.waitForBoot(guest, process: process, timeout: timeout)
                    try await self.waitForSSH(guest, process: process, until: started + Int64(timeout * 1e9))
                    say("guest \(guest.name) is up (\(Monotonic.secondsSince(started).secondsText))")
                }
            }
            try await group.waitForAll()
        }
        var file = ClusterFile(
            path: clusterFile, master: HostPort(host: "10.0.2.2", port: options.port),
            agents: guests.map { guest in
                ClusterFile.AgentEntry(
                    name: guest.name, host: "127.0.0.1", role: guest.role, sshPort: guest.sshPort,
                    interfaces: (0..<options.interfaces).map { "eth\($0)" })
            })
        file.listen = "127.0.0.1"
        file.sshUser = "root"
        file.sshIdentity = identity
        file.sshOptions = [
            "StrictHostKeyChecking=no", "UserKnownHostsFile=/dev/null", "LogLevel=ERROR", "ConnectTimeout=30",
        ]
        file.lnet = "system"
        // The guests by name for any ssh client (`ssh -F FILE mds1`): what auster's PDSH needs,
        // as every guest is 127.0.0.1 on a port of its own.
        file.sshConfig = state + "/ssh_config"
        try Self.sshConfig(guests, identity: identity, options: file.sshOptions).write(
            toFile: state + "/ssh_config", atomically: true, encoding: .utf8)
        // Under TCG a guest's one vCPU can spend seconds in the kernel (loading a module, a
        // burst of traffic) without running the agent's heartbeat.
        if accelerator.0 == .tcg { file.missedHeartbeats = 10 }
        if let runtime = try? await PythonRuntime.locate() { file.python = runtime.interpreter }
        try file.yaml.write(toFile: clusterFile, atomically: true, encoding: .utf8)
        return file
    }

    /// An ssh client configuration naming each guest (`Host mds1`, its forwarded port on
    /// 127.0.0.1, root, the cluster's identity and options).
    static func sshConfig(_ guests: [Guest], identity: String, options: [String]) -> String {
        guests.map { guest in
            ([
                "Host \(guest.name)", "HostName 127.0.0.1", "Port \(guest.sshPort)", "User root",
                "IdentityFile \(identity)",
            ]
                + options.map { $0.replacingOccurrences(of: "=", with: " ") })
                .joined(separator: "\n    ")
        }.joined(separator: "\n") + "\n"
    }

    /// Waits for a guest's `lutf-guest: ready`, failing with the guest's own words (its error
    /// line, a kernel panic, QEMU's exit) or, at the deadline, its console's last lines.
    private func waitForBoot(_ guest: Guest, process: ChildProcess, timeout: Double) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await guest.booted.value }
            group.addTask {
                let status = try await process.waitForExit()
                throw LUTFError(
                    .setup,
                    "guest \(guest.name): QEMU ended (\(status)) before the guest was ready; \(Self.consoleTail(guest.console))"
                )
            }
            group.addTask {
                try await Task.sleep(for: .seconds(timeout))
                throw LUTFError(
                    .setup,
                    "guest \(guest.name) did not boot within \(timeout.secondsText); \(Self.consoleTail(guest.console))"
                )
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    /// The ssh options that reach the guests.
    var sshOptions: [String] {
        [
            "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o",
            "LogLevel=ERROR", "-o", "ConnectTimeout=30", "-i", identity, "-l", "root",
        ]
    }

    /// Waits until an ssh command works on a guest that said it is ready (QEMU's forwarding
    /// takes a moment to reach a guest it has not heard from yet).
    private func waitForSSH(_ guest: Guest, process: ChildProcess, until deadline: Int64) async throws {
        var last = ""
        while Monotonic.nanoseconds() < deadline {
            if let status = process.exitStatus {
                throw LUTFError(
                    .setup, "guest \(guest.name): QEMU ended (\(status)); \(Self.consoleTail(guest.console))")
            }
            do {
                try await Command.run(
                    "ssh", sshOptions + ["-p", String(guest.sshPort), "127.0.0.1", "true"], failure: .setup)
                return
            } catch let error as LUTFError {
                last = error.message
            }
            try await Task.sleep(for: .milliseconds(300))
        }
        throw LUTFError(.setup, "guest \(guest.name) booted but ssh to it does not work: \(last)")
    }

    /// The end of a guest's console, for errors: its `lutf-guest: error` line or a kernel
    /// panic if there is one, else the last lines.
    static func consoleTail(_ path: String, lines: Int = 8) -> String {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let all = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        if let error = all.last(where: { $0.hasPrefix("lutf-guest: error: ") }) {
            return String(error.dropFirst("lutf-guest: ".count))
        }
        if let panic = all.firstIndex(where: { $0.contains("Kernel panic") }) {
            return "kernel panic: " + all[panic...].prefix(3).joined(separator: " | ")
        }
        guard !all.isEmpty else { return "its console (\(path)) is empty" }
        return "last console lines (\(path)): " + all.suffix(lines).joined(separator: " | ")
    }

    private func qemuSpec(_ guest: Guest, qemu: String, kernel: String, initramfs: String) -> ProcessSpec {
        var arguments = [qemu, "-name", "lutf-\(options.name)-\(guest.name)"]
        arguments += accelerator.0.arguments
        arguments += [
            "-m", String(memory), "-smp", String(options.cpus), "-nodefaults", "-no-user-config", "-display", "none",
            "-monitor", "none", "-no-reboot", "-serial", "stdio",
            "-kernel", kernel, "-initrd", initramfs,
            "-append",
            "console=ttyS0 panic=-1 quiet loglevel=3 lutf.name=\(guest.name)"
                + (options.append.isEmpty ? "" : " " + options.append),
        ]
        for (tag, path) in [("hostroot", "/"), ("kit", kit.directory), ("lutfstate", share)] {
            arguments += [
                "-fsdev", "local,id=\(tag),path=\(path),security_model=none,readonly=on,multidevs=remap",
                "-device", "virtio-9p-pci,fsdev=\(tag),mount_tag=\(tag)",
            ]
        }
        for network in 0..<options.interfaces {
            arguments += [
                "-netdev",
                "stream,id=net\(network),server=off,addr.type=unix,addr.path=\(state)/net\(network)-\(guest.index).sock",
                "-device", "virtio-net-pci,netdev=net\(network),mac=\(guest.mac(network: network))",
            ]
        }
        arguments += [
            "-netdev", "user,id=mgmt,ipv6=off,hostfwd=tcp:127.0.0.1:\(guest.sshPort)-:22",
            "-device", "virtio-net-pci,netdev=mgmt,mac=\(guest.managementMAC)",
        ]
        // QEMU under a shell that stops it when the lifeline (standard input) ends, and that
        // ends only after QEMU has (a SIGTERM to the group is passed on, then waited for).
        let watch = """
            exec 3<&0; "$@" </dev/null & q=$!; trap 'kill -TERM $q 2>/dev/null' TERM INT; \
            { read -r _ <&3; kill -TERM $q 2>/dev/null; } & w=$!; \
            wait $q; s=$?; while kill -0 $q 2>/dev/null; do wait $q; s=$?; done; kill $w 2>/dev/null; exit $s
            """
        var spec = ProcessSpec(
            name: guest.name, executable: "/bin/sh", arguments: ["-c", watch, "qemu"] + arguments,
            environment: ProcessInfo.processInfo.environment, logPath: guest.console)
        spec.lifeline = true
        spec.gracePeriod = 3
        let booted = guest.booted
        let name = guest.name
        spec.onLine = { line in
            if line.hasPrefix("lutf-guest: ready") {
                booted.succeed(())
            } else if line.hasPrefix("lutf-guest: error: ") {
                booted.fail(LUTFError(.setup, "guest \(name): \(line.dropFirst("lutf-guest: error: ".count))"))
            }
        }
        return spec
    }

    private func writeKeys() async throws {
        try await Command.run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "lutf", "-f", identity])
        try await Command.run(
            "ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "lutf-guest", "-f", share + "/ssh_host_ed25519_key"])
        try FileManager.default.copyItem(atPath: identity + ".pub", toPath: share + "/authorized_keys")
    }

    /// The files every guest reads from its state share: the second stage, the sshd
    /// configuration, `/etc/hosts`, and one file per guest naming its NICs.
    private func writeShare(guests: [Guest], busybox: String) throws {
        try GuestSetup.script(kernelRelease: kit.kernelRelease, busybox: busybox).write(
            toFile: share + "/guest.sh", atomically: true, encoding: .utf8)
        try GuestSetup.sshdConfig.write(toFile: share + "/sshd_config", atomically: true, encoding: .utf8)
        var hosts = "127.0.0.1 localhost\n"
        for guest in guests { hosts += "\(guest.address(network: 0)) \(guest.name)\n" }
        try hosts.write(toFile: share + "/hosts", atomically: true, encoding: .utf8)
        for guest in guests {
            var nics = ""
            for network in 0..<options.interfaces {
                nics += "\(guest.mac(network: network)) eth\(network) \(guest.address(network: network))/24\n"
            }
            nics += "\(guest.managementMAC) lutf0 10.0.2.15/24\n"
            try nics.write(toFile: share + "/guests/\(guest.name)", atomically: true, encoding: .utf8)
        }
    }

    /// A TCP port on 127.0.0.1 that is free now.
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw LUTFError(.io, "cannot make a socket: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else { throw LUTFError(.io, "cannot find a free port: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Where LUTF keeps what it derives from kits: `$XDG_CACHE_HOME/lutf`, else `~/.cache/lutf`.
    public static var cacheDirectory: String {
        let environment = ProcessInfo.processInfo.environment
        if let cache = environment["XDG_CACHE_HOME"], !cache.isEmpty { return cache + "/lutf" }
        return (environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSTemporaryDirectory()) + "/.cache/lutf"
    }
}
