import ArgumentParser
import Foundation
import LUTFCore
import LUTFMaster
import LUTFWire
import Logging

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Ask a running master (QUERY) for its agents and print them.",
        discussion: """
            --format yaml prints the master's answer as a `master_response:` block: `status: Success`, \
            the master, and `agents:` entries with name, ip, hostname, role, state (alive/dead), \
            last_heartbeat (seconds ago), pid and interfaces. Exits 1 if the master cannot be asked.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case yaml
    }

    @OptionGroup var masterOptions: MasterOptions

    @Option(name: .long, help: "Output format: text or yaml.")
    var format: Format = .text

    @Option(name: .long, help: "Seconds to wait for the master's answer.")
    var timeout: Double = 10

    func run() async throws {
        try await reportingErrors("status") {
            var client = try masterOptions.client()
            client.timeout = timeout
            let address = client.master
            let response = try await client.request(["op": "query"])
            switch format {
            case .yaml:
                print(YAMLText.encode(["master_response": response]), terminator: "")
            case .text:
                print(Self.text(response, address: address), terminator: "")
            }
            if response["status"]?.stringValue != "Success" { throw ExitCode(1) }
        }
    }

    static func text(_ response: Value, address: HostPort) -> String {
        guard response["status"]?.stringValue == "Success" else {
            return "master \(address): \(response["error"]?.plainText ?? "query failed")\n"
        }
        let agents = response["agents"]?.listValue ?? []
        let alive = agents.filter { $0["state"]?.stringValue == "alive" }.count
        let master = response["master"] ?? [:]
        var out =
            "master \(master["name"]?.plainText ?? "") at \(address) (\(master["software"]?.plainText ?? "lutf"), up \((master["uptime"]?.doubleValue ?? 0).secondsText)): \(agents.count) agent\(agents.count == 1 ? "" : "s"), \(alive) alive\n"
        guard !agents.isEmpty else { return out }
        var table = TextTable(header: ["NAME", "ROLE", "STATE", "HOSTNAME", "IP", "HEARTBEAT", "INTERFACES"])
        for agent in agents {
            var state = agent["state"]?.plainText ?? "?"
            if let reason = agent["dead_reason"]?.stringValue { state += " (\(reason))" }
            let interfaces = (agent["interfaces"]?.listValue ?? []).map { interface in
                let addresses = interface["addresses"]?.listValue?.compactMap(\.stringValue) ?? []
                return ([interface["name"]?.plainText ?? "?"] + addresses).joined(separator: " ")
            }
            table.append([
                agent["name"]?.plainText ?? "?", agent["role"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? "-",
                state, agent["hostname"]?.plainText ?? "?", agent["ip"]?.plainText ?? "?",
                "\((agent["last_heartbeat"]?.doubleValue ?? 0).secondsText) ago", interfaces.joined(separator: ", "),
            ])
        }
        out += table.text
        return out
    }
}
