/// A `HOST:PORT` address as given on the command line or in a configuration file.
public struct HostPort: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT`, `[IPv6]:PORT`, or a bare `HOST` (using `defaultPort`).
    ///
    /// Throws a usage error naming `what` (e.g. `--master`) when the text is not an address.
    public init(parsing text: String, defaultPort: Int?, what: String) throws(LUTFError) {
        var host = text
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw LUTFError(.usage, "\(what): '\(text)' has '[' without ']'")
            }
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if rest.hasPrefix(":") {
                portText = rest.dropFirst()
            } else if !rest.isEmpty {
                throw LUTFError(.usage, "\(what): unexpected '\(rest)' after ']' in '\(text)'")
            }
        } else if let colon = text.lastIndex(of: ":"), text.firstIndex(of: ":") == colon {
            host = String(text[..<colon])
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty else { throw LUTFError(.usage, "\(what): '\(text)' has no host (expected HOST:PORT)") }
        if let portText {
            guard let port = Int(portText), (0...65535).contains(port) else {
                throw LUTFError(.usage, "\(what): '\(portText)' in '\(text)' is not a port number (0-65535)")
            }
            self.init(host: host, port: port)
        } else if let defaultPort {
            self.init(host: host, port: defaultPort)
        } else {
            throw LUTFError(.usage, "\(what): '\(text)' has no port (expected HOST:PORT)")
        }
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// The well-known numbers of LUTF.
public enum LUTFDefaults {
    /// The master's port (the design document's `mport`).
    public static let masterPort = 8494
    /// Seconds between agent heartbeats.
    public static let heartbeatInterval = 1.0
    /// An agent silent for this many heartbeat intervals is dead.
    public static let missedHeartbeats = 3
    /// The largest frame body accepted after authentication, in bytes.
    public static let maxFrameBytes = 16 << 20
    /// The LUTF version reported by `--version` and in handshakes.
    public static let version = "0.1.0"
    /// How this LUTF names itself to its peers and in `status`.
    public static let software = "lutf \(version)"
}
