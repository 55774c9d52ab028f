import Foundation
import LUTFCore

/// The simulated tools' entry: `lnetctl`, `lctl` and `lst` (by the name the binary was run
/// under, or `lutf sim TOOL ARGS`), plus the simulator's own controls.
public enum SimCommand {
    public static let tools = ["lnetctl", "lctl", "lst"]

    public static let usage = """
        usage: lutf sim TOOL [ARGS...]  run a simulated tool: lnetctl, lctl or lst
               lutf sim link IF up|down  take a simulated interface down or up
               lutf sim link --all up    bring every interface of this node up
               lutf sim unload [MODULE]  unload simulated LNet (forget all state), or a module
               lutf sim load MODULE      load a module (lnet_selftest holds LNet up, as modprobe does)
               lutf sim tools DIR        make DIR/lnetctl, DIR/lctl, DIR/lst links

        Invoking the lutf binary under the name lnetctl, lctl or lst runs that tool.
        Environment: LUTF_SIM_NODE (this node's state directory, required), LUTF_SIM_FABRIC
        (the directory shared by a simulated cluster's nodes), LUTF_SIM_INTERFACES
        (eth0=10.1.0.1,eth1=10.2.0.1 replaces the real interfaces), LUTF_SIM_MAX_WAIT
        (seconds a lost message is waited for, default 0.5).

        """

    /// Runs `tool` with `args`, writing its output, and returns the exit status.
    public static func run(tool: String, args: [String]) -> Int32 {
        let env = ProcessInfo.processInfo.environment
        let input: () -> String? = { readLine(strippingNewline: true) }
        let output: SimOutput
        switch tool {
        case "lnetctl": output = LNetCtl.main(args, environment: env, input: input)
        case "lctl": output = LCtl.main(args, environment: env)
        case "lst": output = LST.main(args, environment: env)
        default:
            FileHandle.standardError.write(Data("lutf sim: unknown tool '\(tool)' (lnetctl, lctl, lst)\n".utf8))
            return 2
        }
        if !output.stdout.isEmpty { FileHandle.standardOutput.write(Data(output.stdout.utf8)) }
        if !output.stderr.isEmpty { FileHandle.standardError.write(Data(output.stderr.utf8)) }
        return output.status
    }

    /// `lutf sim ...`.
    public static func main(_ args: [String]) -> Int32 {
        guard let first = args.first, !["-h", "--help", "help"].contains(first) else {
            FileHandle.standardOutput.write(Data(usage.utf8))
            return args.isEmpty ? 2 : 0
        }
        if tools.contains(first) { return run(tool: first, args: Array(args.dropFirst())) }
        do {
            switch first {
            case "link":
                let node = try SimNode.fromEnvironment(ProcessInfo.processInfo.environment)
                let rest = Array(args.dropFirst())
                guard rest.count == 2, rest[1] == "up" || rest[1] == "down" else {
                    throw LUTFError(.usage, "usage: lutf sim link IF up|down, or lutf sim link --all up")
                }
                try node.setLink(rest[0] == "--all" ? nil : rest[0], up: rest[1] == "up")
                return 0
            case "unload":
                let node = try SimNode.fromEnvironment(ProcessInfo.processInfo.environment)
                if args.count > 1 {
                    for module in args.dropFirst() { try node.unloadModule(module) }
                } else {
                    try node.unload(bringLinksUp: false)
                }
                return 0
            case "load":
                guard args.count > 1 else { throw LUTFError(.usage, "usage: lutf sim load MODULE...") }
                let node = try SimNode.fromEnvironment(ProcessInfo.processInfo.environment)
                for module in args.dropFirst() { try node.loadModule(module) }
                return 0
            case "tools":
                guard args.count == 2 else { throw LUTFError(.usage, "usage: lutf sim tools DIR") }
                try linkTools(into: args[1])
                return 0
            default:
                throw LUTFError(.usage, "lutf sim: unknown command '\(first)' (see lutf sim --help)")
            }
        } catch let error as LUTFError {
            FileHandle.standardError.write(Data("lutf sim: \(error.message)\n".utf8))
            return error.code == .usage ? 2 : 1
        } catch {
            FileHandle.standardError.write(Data("lutf sim: \(error)\n".utf8))
            return 1
        }
    }

    /// Creates `directory/{lnetctl,lctl,lst}` as symbolic links to this executable.
    public static func linkTools(into directory: String) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let exe = HostInfo.executablePath
        for tool in tools {
            let path = directory + "/" + tool
            if (try? fm.destinationOfSymbolicLink(atPath: path)) == exe { continue }
            try? fm.removeItem(atPath: path)
            try fm.createSymbolicLink(atPath: path, withDestinationPath: exe)
        }
    }
}
