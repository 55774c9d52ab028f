import ArgumentParser
import LUTFCore
import LUTFWire

struct KeygenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Write a new random cluster key (256 bits, hex) to PATH with mode 0600.",
        discussion: """
            Copy the file to every node of the cluster; the master and every agent must use the same \
            key (--key, or LUTF_KEY).
            """
    )

    @Argument(help: "Where to write the key.")
    var path: String

    @Flag(help: "Replace an existing file.")
    var force = false

    func run() async throws {
        try await reportingErrors("keygen") {
            _ = try ClusterKey.writeNew(to: path, force: force)
            print("wrote cluster key to \(path)")
        }
    }
}
