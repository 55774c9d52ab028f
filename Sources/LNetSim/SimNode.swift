import Foundation
import LUTFCore

/// A simulated interface of a node.
public struct SimInterface: Codable, Sendable, Equatable {
    public var name: String
    public var addresses: [String]
    public var up: Bool

    public init(name: String, addresses: [String], up: Bool) {
        self.name = name
        self.addresses = addresses
        self.up = up
    }

    /// The first IPv4 address (IPv6 if there is none, or first with `preferIPv6`).
    public func address(preferIPv6: Bool = false) -> String? {
        let v4 = addresses.filter { !$0.contains(":") }
        let v6 = addresses.filter { $0.contains(":") && !$0.hasPrefix("fe80") }
        return preferIPv6 ? (v6.first ?? v4.first) : (v4.first ?? v6.first)
    }
}

/// One simulated node: its state file (locked while a command changes it), its interfaces, and the
/// fabric of all simulated nodes it belongs to.
///
/// `$LUTF_SIM_NODE` is the node's directory (its name is the directory's name);
/// `$LUTF_SIM_FABRIC` the directory shared by the nodes of a simulated cluster;
/// `$LUTF_SIM_INTERFACES` (`eth0=10.1.0.1,eth1=10.2.0.1`) replaces the real interfaces.
public struct SimNode: Sendable {
    public var directory: String
    public var fabric: String?
    public var simulatedInterfaces: [SimInterface]?
    /// Seconds a lost message is waited for (the simulator does not wait the kernel's 180 s):
    /// `$LUTF_SIM_MAX_WAIT`, default 0.5.
    public var maxWait = 0.5

    public var name: String { URL(fileURLWithPath: directory).lastPathComponent }
    var statePath: String { directory + "/state.json" }
    var interfacesPath: String { directory + "/interfaces.json" }

    public init(directory: String, fabric: String?, simulatedInterfaces: [SimInterface]?) {
        self.directory = directory
        self.fabric = fabric
        self.simulatedInterfaces = simulatedInterfaces
    }

    /// The node named by the environment.
    ///
    /// - Throws: a `config` error when `$LUTF_SIM_NODE` is unset or `$LUTF_SIM_INTERFACES` is malformed.
    public static func fromEnvironment(_ env: [String: String]) throws(LUTFError) -> SimNode {
        guard let directory = env["LUTF_SIM_NODE"], !directory.isEmpty else {
            throw LUTFError(
                .config,
                "the LNet simulator needs $LUTF_SIM_NODE (a directory holding this node's state); $LUTF_SIM_FABRIC names the directory shared by the simulated nodes"
            )
        }
        var interfaces: [SimInterface]?
        if let spec = env["LUTF_SIM_INTERFACES"], !spec.isEmpty {
            interfaces = []
            for item in spec.split(separator: ",") {
                let parts = item.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, !parts[0].isEmpty else {
                    throw LUTFError(
                        .config, "LUTF_SIM_INTERFACES: '\(item)' is not NAME=ADDRESS (e.g. eth0=10.1.0.1,eth1=10.2.0.1)"
                    )
                }
                let addresses = parts[1].split(separator: "+").map(String.init)
                interfaces!.append(SimInterface(name: String(parts[0]), addresses: addresses, up: true))
            }
        }
        let fabric = env["LUTF_SIM_FABRIC"].flatMap { $0.isEmpty ? nil : $0 }
        var node = SimNode(directory: directory, fabric: fabric, simulatedInterfaces: interfaces)
        if let wait = env["LUTF_SIM_MAX_WAIT"].flatMap(Double.init), wait >= 0 { node.maxWait = wait }
        try node.prepare()
        _ = try node.readState()
        return node
    }

    /// The environment that names this node to the tools (the inverse of ``fromEnvironment(_:)``).
    public var environment: [String: String] {
        var env = ["LUTF_SIM_NODE": directory]
        if let fabric { env["LUTF_SIM_FABRIC"] = fabric }
        if let simulatedInterfaces {
            env["LUTF_SIM_INTERFACES"] = simulatedInterfaces.map { "\($0.name)=\($0.addresses.joined(separator: "+"))" }
                .joined(separator: ",")
        }
        return env
    }

    /// Creates the node's directory and registers it in the fabric.
    func prepare() throws(LUTFError) {
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
            if let fabric {
                try fm.createDirectory(atPath: fabric + "/nodes", withIntermediateDirectories: true)
                let link = fabric + "/nodes/" + name
                if (try? fm.destinationOfSymbolicLink(atPath: link)) != directory {
                    try? fm.removeItem(atPath: link)
                    try fm.createSymbolicLink(atPath: link, withDestinationPath: directory)
                }
            }
        } catch {
            throw LUTFError(.io, "LNet simulator: cannot prepare \(directory): \(error.localizedDescription)")
        }
    }

    // MARK: State

    /// The node's state as last saved (no lock: files are replaced atomically).
    ///
    /// The state file was read by ``readState()`` when the node was opened (``fromEnvironment(_:)``
    /// fails on a bad one) and is only ever replaced whole by ``save(_:)``, so this cannot meet a
    /// bad file that was not already reported.
    public func load() -> SimState {
        (try? readState()) ?? SimState()
    }

    /// The node's state as last saved; a node never saved is unloaded LNet.
    ///
    /// - Throws: an `io` error naming the state file when it exists but cannot be read or decoded:
    ///   silently starting over from unloaded LNet would hide whatever wrote it.
    public func readState() throws(LUTFError) -> SimState {
        guard FileManager.default.fileExists(atPath: statePath) else { return SimState() }
        guard let data = FileManager.default.contents(atPath: statePath) else {
            throw LUTFError(.io, "LNet simulator: cannot read \(statePath): \(String(cString: strerror(errno)))")
        }
        do {
            return try JSONDecoder().decode(SimState.self, from: data)
        } catch {
            throw LUTFError(
                .io,
                "LNet simulator: \(statePath) is not a saved node state (\(Self.describe(error))); remove it to start the node from unloaded LNet"
            )
        }
    }

    /// A decoding error in a few words: where in the file, and what was wrong.
    static func describe(_ error: any Error) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.isEmpty
                ? "the top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case DecodingError.dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "bad value at \(path(context.codingPath))"
        case DecodingError.keyNotFound(let key, let context):
            return "'\(key.stringValue)' missing at \(path(context.codingPath))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "wrong type at \(path(context.codingPath))"
        default:
            return "\(error)"
        }
    }

    func save(_ state: SimState) throws {
        let data = try JSONEncoder().encode(state)
        let tmp = statePath + ".tmp.\(getpid())"
        try data.write(to: URL(fileURLWithPath: tmp))
        guard rename(tmp, statePath) == 0 else {
            throw LUTFError(.io, "cannot save \(statePath): \(String(cString: strerror(errno)))")
        }
    }

    /// Runs `body` on the node's state with the node locked, and saves what it changed.
    public func modify<T>(_ body: (inout SimState) throws -> T) throws -> T {
        let fd = open(directory + "/lock", O_CREAT | O_RDWR, 0o644)
        guard fd >= 0 else {
            throw LUTFError(.io, "cannot open \(directory)/lock: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 && errno == EINTR {}
        defer { flock(fd, LOCK_UN) }
        var state = try readState()
        let result = try body(&state)
        try save(state)
        return result
    }

    /// Takes interface `name` (every interface, when nil) down or up, and publishes the result.
    public func setLink(_ name: String?, up: Bool) throws {
        try modify { state in
            if let name {
                state.downInterfaces.removeAll { $0 == name }
                if !up { state.downInterfaces.append(name) }
            } else {
                state.downInterfaces = up ? [] : (simulatedInterfaces ?? []).map(\.name)
            }
            _ = interfaces(state: state)
        }
    }

    /// Unloads the simulated LNet modules: every setting, peer, route and rule is forgotten.
    /// Interfaces taken down stay down unless `bringLinksUp`.
    public func unload(bringLinksUp: Bool) throws {
        try modify { state in
            let links = state.downInterfaces
            state = SimState()
            if !bringLinksUp { state.downInterfaces = links }
            _ = interfaces(state: state)
        }
    }

    /// Loads a module, as `modprobe MODULE` does on a real node: only lnet_selftest changes
    /// anything (the simulator's LNet and LNDs are always there).
    public func loadModule(_ module: String) throws {
        guard module.replacingOccurrences(of: "-", with: "_") == "lnet_selftest" else { return }
        try modify { $0.selftestLoaded = true }
    }

    /// Unloads a module, as `rmmod MODULE` does: lnet_selftest (its session goes with it), or
    /// LNet itself (lnet, an LND, libcfs: like ``unload(bringLinksUp:)``, links stay as they are).
    public func unloadModule(_ module: String) throws {
        switch module.replacingOccurrences(of: "-", with: "_") {
        case "lnet_selftest":
            try modify { state in
                state.selftestLoaded = false
                state.lst = LSTConsole()
            }
        case "lnet", "libcfs", "ksocklnd", "ko2iblnd", "kkfilnd", "kgnilnd":
            try unload(bringLinksUp: false)
        default:
            break
        }
    }

    // MARK: Interfaces

    /// The node's interfaces now: simulated ones (minus those taken down), or the real ones
    /// (loopback excluded). Also publishes them for the other nodes of the fabric.
    public func interfaces(state: SimState) -> [SimInterface] {
        let list: [SimInterface]
        if let simulated = simulatedInterfaces {
            list = simulated.map { i in
                var i = i
                i.up = !state.downInterfaces.contains(i.name)
                return i
            }
        } else {
            list = NetworkInterface.discover().filter { !$0.isLoopback }.map {
                SimInterface(
                    name: $0.name, addresses: $0.addresses, up: $0.isUp && !state.downInterfaces.contains($0.name))
            }
        }
        publish(list)
        return list
    }

    /// Writes the interface list where other nodes read it (they cannot see this node's interfaces).
    public func publish(_ list: [SimInterface]) {
        // Sorted keys: the same list must encode to the same bytes, or every read rewrites it.
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        guard let data = try? encoder.encode(list) else { return }
        if FileManager.default.contents(atPath: interfacesPath) == data { return }
        let tmp = interfacesPath + ".tmp.\(getpid())"
        if (try? data.write(to: URL(fileURLWithPath: tmp))) != nil { rename(tmp, interfacesPath) }
    }

    /// The interfaces this node last published.
    public func publishedInterfaces() -> [SimInterface] {
        guard let data = FileManager.default.contents(atPath: interfacesPath),
            let list = try? JSONDecoder().decode([SimInterface].self, from: data)
        else { return [] }
        return list
    }

    /// Whether the NI's interface is up (lo always is).
    public static func interfaceUp(_ ni: SimNI, interfaces: [SimInterface]) -> Bool {
        guard let name = ni.interface else { return true }
        return interfaces.first { $0.name == name }?.up ?? false
    }

    // MARK: Fabric

    /// The other nodes of the fabric.
    public func fabricPeers() -> [SimNode] {
        guard let fabric else { return [] }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: fabric + "/nodes")) ?? []
        return entries.sorted().compactMap { entry in
            guard entry != name,
                let target = try? FileManager.default.destinationOfSymbolicLink(atPath: fabric + "/nodes/" + entry)
            else { return nil }
            return SimNode(directory: target, fabric: fabric, simulatedInterfaces: nil)
        }
    }
}
