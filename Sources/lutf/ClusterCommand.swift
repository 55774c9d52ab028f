import ArgumentParser
import Foundation
import LUTFCore
import LUTFLaunch
import LUTFVM
import Logging
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Create or remove a virtual cluster: QEMU guests with real LNet (--vm), or network namespaces.",
        subcommands: [ClusterUp.self, ClusterDown.self]
    )
}

/// The options of a VM cluster, shared by `cluster up --vm` and `run --vm`.
struct VMOptions: ParsableArguments {
    @Option(help: "LNet kit directory (default: $LUTF_LNET_KIT, else shared/lnet-kit next to LUTF's checkout).")
    var kit: String?

    @Option(help: "Guest memory in MiB (default: 2048: enabling routing takes 1 GiB of router buffers).")
    var memory: Int?

    @Option(help: "Virtual CPUs per guest.")
    var cpus = 1

    @Option(help: "Accelerator: kvm or tcg (default: kvm where this machine can use it).")
    var accel: String?

    @Option(help: "Seconds each guest may take to boot (default: 240 under TCG, 60 under KVM).")
    var bootTimeout: Double?

    @Option(help: "Extra kernel command line for the guests (e.g. 'loglevel=8').")
    var append: String?

    func validate() throws {
        if let accel, Accelerator(rawValue: accel) == nil {
            throw ValidationError("--accel must be kvm or tcg, got '\(accel)'")
        }
        if let bootTimeout, bootTimeout <= 0 { throw ValidationError("--boot-timeout must be positive") }
    }

    /// The cluster these options describe, and the kit, checked.
    func resolve(nodes: Int, interfaces: Int, name: String, port: Int) async throws -> (VMClusterOptions, VMKit) {
        var options = VMClusterOptions()
        options.name = name
        options.nodes = nodes
        options.interfaces = interfaces
        options.memory = memory
        options.cpus = cpus
        options.port = port
        options.bootTimeout = bootTimeout
        options.accelerator = accel.flatMap(Accelerator.init(rawValue:))
        options.append = append ?? ""
        try options.validate()
        let home = try? await PythonRuntime.locate().home
        let kit = try VMKit.locate(flag: kit, environment: environment, home: home)
        return (options, kit)
    }

    /// These options (but the kit) as arguments again, for the detached supervisor.
    var arguments: [String] {
        var out = ["--cpus", String(cpus)]
        if let memory { out += ["--memory", String(memory)] }
        if let accel { out += ["--accel", accel] }
        if let bootTimeout { out += ["--boot-timeout", String(bootTimeout)] }
        if let append { out += ["--append", append] }
        return out
    }
}

struct ClusterUp: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Boot N QEMU guests with the kernel's real LNet (--vm), or make N network namespaces with sshd.",
        discussion: """
            With --vm: N guests boot a kit's kernel (KVM where this machine can use it, else TCG; \
            one line says which and why), each with this machine's root file system read-only \
            under a writable overlay, the kit's LNet modules loaded and its lnetctl, lctl and lst \
            in /usr/sbin, and sshd. Guest n has K LNet interfaces eth0... with addresses \
            10.<j+1>.0.<n> on networks shared by the guests (LUTF's own Ethernet switch: LNet \
            traffic crosses the guests' socklnd), and a management NIC for ssh (a port on \
            127.0.0.1) and the master (10.0.2.2 in the guests is 127.0.0.1 here). Needs \
            qemu-system-x86, busybox-static and openssh-server (scripts/setup installs them), not \
            root. The guests are served by a supervisor that stays in the background until \
            `lutf cluster down`; its log and the guests' consoles are in the state directory \
            (/run/lutf-cluster-NAME for root, else under $XDG_RUNTIME_DIR or /tmp).

            Without --vm: N network namespaces (root), interface j of node n is eth<j> with \
            address 10.<B+j>.0.<n> (B = --subnet-base), joined through one bridge per interface \
            carrying 10.<B+j>.0.254, the master's address; each runs sshd on its eth0 address.

            Either way it prints the cluster file to give `lutf launch --cluster FILE -- ARGS` \
            (agents mds1, oss1, client1, ...: real LNet in guests, simulated LNet in namespaces).
            """
    )

    @Flag(help: "Boot QEMU guests running the kernel's real LNet from a kit.")
    var vm = false

    @Option(help: "Number of nodes.")
    var nodes = 3

    @Option(help: "Interfaces per node (default: 2 for VMs, 1 for namespaces).")
    var interfaces: Int?

    @Option(help: "Cluster name (lowercase letters or digits: 1-4 for namespaces, 1-8 for VMs).")
    var name = "lutf"

    @Option(help: "Second octet of the first interface's subnet (namespaces).")
    var subnetBase = 100

    @Option(help: "The master port the cluster file names.")
    var port = LUTFDefaults.masterPort

    @OptionGroup var vmOptions: VMOptions

    @Flag(help: "With --vm: serve the guests in this process until SIGINT/SIGTERM instead of in the background.")
    var foreground = false

    @Flag(help: .hidden)
    var daemon = false

    func run() async throws {
        try await reportingErrors("cluster up") {
            guard vm else {
                let cluster = VirtualCluster(
                    name: name, nodes: nodes, interfaces: interfaces ?? 1, base: subnetBase, port: port)
                let file = try await cluster.up()
                emit(
                    "virtual cluster '\(name)': \(nodes) nodes (\(file.agents.map { "\($0.name) \($0.host)" }.joined(separator: ", "))), master \(file.master)"
                )
                emit("cluster file: \(file.path)")
                return
            }
            let (options, kit) = try await vmOptions.resolve(
                nodes: nodes, interfaces: interfaces ?? 2, name: name, port: port)
            let directory = ClusterDirectory(name: name)
            if daemon {
                try await serve(options, kit: kit, directory: directory, report: Daemon.report)
            } else if foreground {
                if try directory.create(kind: "vm") { emit("removed the stale state of cluster '\(name)'") }
                try await serve(options, kit: kit, directory: directory) { emit($0) }
            } else {
                try await detach(directory: directory, kit: kit)
            }
        }
    }

    /// Boots and serves the cluster in this process until SIGINT or SIGTERM; `report` gets the
    /// progress lines and the final `ready FILE` or `error MESSAGE`.
    func serve(
        _ options: VMClusterOptions, kit: VMKit, directory: ClusterDirectory,
        report: @escaping @Sendable (String) -> Void
    ) async throws {
        defer { directory.remove() }
        try directory.holdLock()
        let logger = Logger(label: "lutf")
        let cluster = try VMCluster(options: options, kit: kit, state: directory.path) { report($0) }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: cluster)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            tasks.addTask {
                do {
                    let file = try await cluster.ready()
                    report(
                        "VM cluster '\(options.name)': \(file.agents.count) guests (\(file.agents.map { "\($0.name) ssh port \($0.sshPort ?? 22)" }.joined(separator: ", "))), master \(file.master)"
                    )
                    report("ready \(file.path)")
                } catch {
                    report("error \((error as? LUTFError)?.message ?? "\(error)")")
                }
                if daemon { Daemon.finishReporting() }
            }
            try await tasks.waitForAll()
        }
    }

    /// Starts the supervisor in the background and relays its report.
    func detach(directory: ClusterDirectory, kit: VMKit) async throws {
        if try directory.create(kind: "vm") { emit("removed the stale state of cluster '\(name)'") }
        let log = directory.path + "/supervisor.log"
        var arguments = [
            "cluster", "up", "--vm", "--daemon", "--nodes", String(nodes), "--interfaces", String(interfaces ?? 2),
            "--name", name, "--port", String(port), "--kit", kit.directory,
        ]
        arguments += vmOptions.arguments
        let (_, status): (pid_t, Int32)
        do {
            (_, status) = try Daemon.spawn(HostInfo.executablePath, arguments, log: log)
        } catch {
            directory.remove()
            throw error
        }
        let outcome = Outcome()
        try await Daemon.readStatus(status) { line in
            if line.hasPrefix("ready ") {
                outcome.set(.success(String(line.dropFirst(6))))
            } else if line.hasPrefix("error ") {
                outcome.set(.failure(LUTFError(.setup, String(line.dropFirst(6)))))
            } else {
                emit(line)
            }
        }
        switch outcome.value {
        case .success(let file)?:
            emit("cluster file: \(file)")
            emit("remove it with: lutf cluster down --name \(name)")
        case .failure(let error)?:
            _ = await directory.waitForRelease(seconds: 30)
            directory.remove()
            throw error
        case nil:
            let tail = (try? String(contentsOfFile: log, encoding: .utf8))?.split(separator: "\n").suffix(3)
                .joined(separator: " | ")
            _ = await directory.waitForRelease(seconds: 30)
            directory.remove()
            throw LUTFError(.setup, "the cluster's supervisor ended without reporting: \(tail ?? "no log")")
        }
    }

    /// The supervisor's final word.
    final class Outcome: Sendable {
        private let box = Mutex<Result<String, LUTFError>?>(nil)
        func set(_ result: Result<String, LUTFError>) { box.withLock { $0 = result } }
        var value: Result<String, LUTFError>? { box.withLock { $0 } }
    }
}

struct ClusterDown: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "down",
        abstract: "Remove a virtual cluster: its guests (or sshds and namespaces), networks and state.")

    @Option(help: "Cluster name.")
    var name = "lutf"

    func run() async throws {
        try await reportingErrors("cluster down") {
            let directory = ClusterDirectory(name: name)
            guard directory.kind == "vm" else {
                try await VirtualCluster.existing(name: name).down()
                emit("virtual cluster '\(name)' removed")
                return
            }
            if directory.isLocked(), let pid = directory.holder {
                kill(pid, SIGTERM)
                if await !directory.waitForRelease(seconds: 30) {
                    kill(pid, SIGKILL)
                    _ = await directory.waitForRelease(seconds: 10)
                }
            }
            directory.remove()
            emit("VM cluster '\(name)' removed")
        }
    }
}
