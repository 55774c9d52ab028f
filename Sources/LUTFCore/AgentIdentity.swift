import OrderedCollections

/// Who an agent is, as it says in its REGISTER message (plus the address the master saw).
public struct AgentIdentity: Sendable, Equatable {
    public var name: String
    public var role: String
    public var hostname: String
    public var pid: Int
    /// Random per agent process: a reconnect of the same process is recognised by it.
    public var instance: String
    public var software: String
    public var interfaces: [NetworkInterface]
    /// The agent's IP address as the master sees it.
    public var address: String
    /// The node's LNet: `system` (the kernel's) or `simulated`.
    public var lnet: String
    /// Other names the agent answers to (auster's facets of the same host: `mgs`, `ost1`).
    public var aliases: [String] = []

    public init(
        name: String, role: String, hostname: String, pid: Int, instance: String, software: String,
        interfaces: [NetworkInterface], address: String, lnet: String = "system"
    ) {
        self.lnet = lnet
        self.name = name
        self.role = role
        self.hostname = hostname
        self.pid = pid
        self.instance = instance
        self.software = software
        self.interfaces = interfaces
        self.address = address
    }

    /// Checks an agent name: letters, digits, `_`, `.`, `-`, starting with a letter or digit, at
    /// most 64 characters. Returns the reason it is invalid, or `nil`.
    public static func problem(withName name: String) -> String? {
        guard !name.isEmpty else { return "agent name is empty" }
        guard name.count <= 64 else { return "agent name '\(name)' is longer than 64 characters" }
        let allowed = name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                || "_.-".unicodeScalars
                    .contains($0)
        }
        guard allowed, let first = name.unicodeScalars.first, !"_.-".unicodeScalars.contains(first) else {
            return
                "agent name '\(name)' may hold only letters, digits, '_', '.' and '-', and must start with a letter or digit"
        }
        if name == "master" { return "agent name 'master' is reserved for the master" }
        return nil
    }

    /// The body of a REGISTER message for this agent.
    public var registration: Value {
        [
            "kind": "agent", "name": .string(name), "role": .string(role), "hostname": .string(hostname),
            "pid": .int(pid), "instance": .string(instance), "software": .string(software),
            "interfaces": .list(interfaces.map(\.value)), "lnet": .string(lnet),
            "aliases": .list(aliases.map(Value.string)),
        ]
    }

    /// Reads a REGISTER body; throws a `protocol` error saying what is missing or wrong.
    public init(registration value: Value, address: String) throws(LUTFError) {
        guard let name = value["name"]?.stringValue else {
            throw LUTFError(.protocolViolation, "REGISTER from \(address) has no agent name")
        }
        if let problem = Self.problem(withName: name) {
            throw LUTFError(.refused, "REGISTER from \(address): \(problem)")
        }
        self.init(
            name: name,
            role: value["role"]?.stringValue ?? "",
            hostname: value["hostname"]?.stringValue ?? "",
            pid: value["pid"]?.intValue ?? 0,
            instance: value["instance"]?.stringValue ?? "",
            software: value["software"]?.stringValue ?? "",
            interfaces: value["interfaces"]?.listValue?.compactMap(NetworkInterface.init(value:)) ?? [],
            address: address, lnet: value["lnet"]?.stringValue ?? "system")
        aliases = value["aliases"]?.listValue?.compactMap(\.stringValue) ?? []
    }
}
