import Foundation
import LUTFCore

extension LNetCtl {
    static let exportHelp =
        "export FILE.yaml : export configuration to a file\n\t--backup: export only what's necessary for reconfig\n\t--help: display this help\n"

    /// `lnetctl export [--backup] [FILE]`.
    mutating func export(_ args: [String]) throws -> Int {
        let p: GetOpt.Result
        switch GetOpt(program: "export", options: [.init("backup", "b", .none), .init("help", "h", .none)]).parse(args)
        {
        case .failure:
            out.stdout += Self.exportHelp
            return 0
        case .success(let r): p = r
        }
        if p.has("help") {
            out.stdout += Self.exportHelp
            return 0
        }
        let text = exportText(backup: p.has("backup"))
        if let file = p.positional.first {
            try text.write(toFile: file, atomically: true, encoding: .utf8)
        } else {
            out.stdout += text
        }
        return 0
    }

    func exportText(backup: Bool) -> String {
        let state = node.load()
        var text = ""
        if state.configured {
            let interfaces = node.interfaces(state: state)
            let nets = Self.netTree(state, interfaces: interfaces, level: backup ? 1 : 2, filter: nil, backup: backup)
            if !nets.isEmpty { text += YAMLPrinter.libyaml([("net", .seq(nets))]) }
            let members = !backup && !state.routes.isEmpty ? Fabric(node: node).members() : []
            let routes = Self.routeOrder(state.routes).map {
                YTree.map(Self.routeTree($0, verbose: !backup, backup: backup, members: members))
            }
            if !routes.isEmpty { text += YAMLPrinter.libyaml([("route", .seq(routes))]) }
            let peers = state.peers.filter { $0.primary != .loopback }.map {
                YTree.map(Self.peerTree($0, state: state, level: backup ? 0 : 3, backup: backup))
            }
            if !peers.isEmpty { text += YAMLPrinter.libyaml([("peer", .seq(peers))]) }
        }
        var tail: [(String, YTree)] = []
        if state.buffersAllocated {
            tail =
                backup
                ? [("routing", .map([("enable", .int(state.routing))])), Self.buffersTree(state)]
                : Self.routingTree(state)
        }
        tail.append(("global", Self.globalTree(state.globals)))
        if !state.udsp.isEmpty { tail.append(("udsp", .seq(Self.udspItems(state.udsp)))) }
        text += YAMLPrinter.cyaml(tail)
        return text
    }

    // MARK: import

    /// `lnetctl import [--add|--del|--show|--exec] [FILE]`: applies an export (either printer's
    /// style) by running the matching commands.
    mutating func importConfig(_ args: [String]) throws -> Int {
        let options: [GetOpt.Option] = [
            .init("add", "a", .none), .init("del", "d", .none), .init("show", "s", .none), .init("exec", "e", .none),
            .init("help", "h", .none),
        ]
        let p: GetOpt.Result
        switch GetOpt(program: "import", options: options).parse(args) {
        case .failure(let f):
            out.stderr += f.message + "\n"
            return 0
        case .success(let r): p = r
        }
        let op = p.has("del") ? "del" : p.has("show") ? "show" : p.has("exec") ? "exec" : "add"
        let text: String
        if let file = p.positional.first {
            guard let data = FileManager.default.contents(atPath: file) else {
                cyamlError("yaml", "builder", -1, "cannot open '\(file)': \(Self.strerror(2))")
                return -2
            }
            text = String(decoding: data, as: UTF8.self)
        } else {
            text = importInput ?? ""
        }
        // Several documents (export writes one per section) become one mapping.
        var root: [(String, Value)] = []
        for document in text.components(separatedBy: "\n---") {
            let cleaned = document.replacingOccurrences(of: "\n...", with: "")
            guard !cleaned.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { continue }
            guard let value = try? YAMLText.decode(cleaned), let map = value.mapValue else {
                return netlinkError(op == "exec" ? "add" : op, "import", -22, "Malformed input")
            }
            root += map.map { ($0.key, $0.value) }
        }
        let known = [
            "net", "ip2nets", "route", "peer", "routing", "buffers", "numa", "global", "udsp", "ping", "discover",
        ]
        if let bad = root.first(where: { !known.contains($0.0) }) {
            return netlinkError(op == "exec" ? "add" : op, "import", -22, "invalid key '\(bad.0)'")
        }
        var commands: [[String]] = []
        var globalError: String?
        for (key, value) in root where globalError == nil {
            switch (op, key) {
            case ("exec", "ping"), ("exec", "discover"):
                let nids = (value["nids"]?.listValue ?? value.listValue ?? []).compactMap {
                    $0.stringValue ?? $0["nid"]?.stringValue
                }
                if !nids.isEmpty { commands.append([key] + nids) }
            case ("exec", _):
                continue
            case (_, "net"):
                for net in value.listValue ?? [] {
                    guard let type = net["net type"]?.plainText else {
                        return netlinkError(
                            op, "import", -22,
                            "Malformed input. Expect 'net type' found '\(net.mapValue?.keys.first ?? "")'")
                    }
                    guard LNetNet(parsing: type) != nil else {
                        return netlinkError(op, "import", -22, "Invalid network ID '\(type)'")
                    }
                    if type == "lo" { continue }
                    for ni in net["local NI(s)"]?.listValue ?? [] {
                        let interface = ni["interfaces"]?["0"]?.plainText
                        var command = op == "del" ? ["net", "del", "--net", type] : ["net", "add", "--net", type]
                        if let interface {
                            command += ["--if", interface]
                        } else if let nid = ni["nid"]?.stringValue {
                            command = op == "del" ? ["net", "del", "--nid", nid] : ["net", "add", "--nid", nid]
                        }
                        if op == "add" {
                            for (key, flag) in [
                                ("peer_timeout", "--peer-timeout"), ("peer_credits", "--peer-credits"),
                                ("peer_buffer_credits", "--peer-buffer-credits"), ("credits", "--credits"),
                            ] {
                                if let v = ni["tunables"]?[key]?.plainText { command += [flag, v] }
                            }
                            if let v = ni["lnd tunables"]?["conns_per_peer"]?.plainText {
                                command += ["--conns-per-peer", v]
                            }
                            if let v = ni["lnd tunables"]?["tos"]?.plainText { command += ["--tos", v] }
                        }
                        commands.append(command)
                    }
                }
            case (_, "route"):
                for route in value.listValue ?? [] {
                    guard let net = route["net"]?.plainText, let gateway = route["gateway"]?.plainText else {
                        return netlinkError(op, "import", -22, "no value specified for key 'gateway'")
                    }
                    var command = ["route", op == "del" ? "del" : "add", "--net", net, "--gateway", gateway]
                    if op == "add" {
                        if let hop = route["hop"]?.plainText { command += ["--hop", hop] }
                        if let priority = route["priority"]?.plainText { command += ["--priority", priority] }
                    }
                    commands.append(command)
                }
            case (_, "peer"):
                for peer in value.listValue ?? [] {
                    guard let primary = peer["primary nid"]?.plainText else {
                        return netlinkError(op, "import", -22, "no value specified for key 'primary nid'")
                    }
                    let nids = (peer["peer ni"]?.listValue ?? []).compactMap { $0["nid"]?.plainText }.filter {
                        $0 != primary
                    }
                    var command = ["peer", op == "del" ? "del" : "add", "--prim_nid", primary]
                    if op == "add" && !nids.isEmpty { command += ["--nid", nids.joined(separator: ",")] }
                    commands.append(command)
                }
            case ("add", "routing"):
                if let enable = value["enable"]?.plainText
                    ?? value.listValue?.compactMap({ $0["enable"]?.plainText }).first
                {
                    // 3 (starting) means enabled, 2 (stopping) disabled.
                    let setting = ["3": "1", "2": "0"][enable] ?? Self.boolish(enable)
                    commands.append(["set", "routing", setting])
                }
            case ("add", "buffers"):
                for (key, param) in [("tiny", "tiny_buffers"), ("small", "small_buffers"), ("large", "large_buffers")] {
                    if let v = value[key]?.plainText { commands.append(["set", param, v]) }
                }
            case ("add", "numa"):
                if let v = value["range"]?.plainText { commands.append(["set", "numa_range", v]) }
            case ("add", "global"):
                for (key, v) in value.mapValue ?? [:] {
                    let param = key == "max_intf" ? "max_interfaces" : key
                    if param == "lnd_timeout" { continue }
                    guard Self.params.contains(where: { $0.name == param }) else {
                        return netlinkError(op, "import", -22, "invalid key '\(key)'")
                    }
                    // A global's value must be a number (yes/no are refused, after what came
                    // before it in the file was applied).
                    guard strtolStrict(v.plainText) != nil else {
                        // The value as written (the YAML reader turned `no` into false).
                        let written =
                            text.split(separator: "\n").lazy.compactMap { line -> Substring? in
                                let trimmed = line.drop { $0 == " " }
                                guard trimmed.hasPrefix(key + ":") else { return nil }
                                return trimmed.dropFirst(key.count + 1).drop { $0 == " " }
                            }.first.map(String.init) ?? v.plainText
                        globalError = "invalid value '\(written)' for key '\(key)'"
                        break
                    }
                    commands.append(["set", param, v.plainText])
                }
            case ("del", "global"):
                // Each key given goes back to its default; the others stay (6.1).
                let defaults = [
                    "numa_range": "0", "max_intf": "4096", "max_interfaces": "4096", "discovery": "1",
                    "drop_asym_route": "0", "retry_count": "2", "transaction_timeout": "150",
                    "health_sensitivity": "100", "recovery_interval": "1", "router_sensitivity": "100",
                    "response_tracking": "3", "recovery_limit": "0", "max_recovery_ping_interval": "900",
                ]
                for key in (value.mapValue ?? [:]).keys.sorted() {
                    guard let v = defaults[key] else { continue }
                    commands.append(["set", key == "max_intf" ? "max_interfaces" : key, v])
                }
            case ("add", "udsp"):
                for rule in value.listValue ?? [] {
                    var command = ["udsp", "add"]
                    for key in ["src", "dst", "rte"] { if let v = rule[key]?.plainText { command += ["--\(key)", v] } }
                    if let priority = rule["action"]?["priority"]?.plainText ?? rule["priority"]?.plainText {
                        command += ["--priority", priority]
                    }
                    commands.append(command)
                }
            case ("show", _):
                continue
            default:
                continue
            }
        }
        if op == "show" {
            out.stdout += exportText(backup: false)
            return 0
        }
        var peersEnded = false
        for command in commands {
            // A peer that exists already (a route's gateway) ends the peer section: neither it nor
            // the peers after it are added, and the import still succeeds (6.1, recorded).
            // A peer to delete that is not there is passed over (the import still succeeds).
            if command.starts(with: ["peer", "del"]), command.count > 3,
                !node.load().peers.contains(where: { $0.primary.description == command[3] })
            {
                continue
            }
            if command.starts(with: ["peer", "add"]) {
                if command.count > 3, node.load().peers.contains(where: { $0.primary.description == command[3] }) {
                    peersEnded = true
                }
                if peersEnded { continue }
            }
            let rc = dispatch(command)
            guard rc != 0 else { continue }
            if op == "add", command.starts(with: ["net", "add"]), let net = command.dropFirst(3).first {
                // After the NI's own error, the import's (with -22 whatever the NI's was).
                return netlinkError("add", "import", -22, "Failed to configure NI on net '\(net)' rc = -22")
            }
            return rc
        }
        if let globalError { return netlinkError(op, "import", -22, globalError) }
        return 0
    }

    /// `yes|true|on|y` / `no|false|off|n` as 1 / 0.
    static func boolish(_ text: String) -> String {
        switch text.lowercased() {
        case "yes", "true", "on", "y": return "1"
        case "no", "false", "off", "n": return "0"
        default: return text
        }
    }
}
