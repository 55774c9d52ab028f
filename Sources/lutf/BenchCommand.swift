import ArgumentParser

struct BenchCommand: AsyncParsableCommand { static let configuration = CommandConfiguration(commandName: "bench") }
struct SwarmCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "swarm", shouldDisplay: false)
}
