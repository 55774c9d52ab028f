import Foundation
import Logging
import Synchronization

/// LUTF's log lines: `HH:MM:SS.mmm LEVEL label [key=value ...] message`, to standard error or a file.
public struct LUTFLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let sink: LogSink

    public init(label: String, level: Logger.Level, sink: LogSink) {
        self.label = label
        self.logLevel = level
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let tags = merged.sorted { $0.key < $1.key }.map {
            "\($0.key.replacingOccurrences(of: "lutf.", with: ""))=\($0.value)"
        }
        let time = LogSink.timestamp()
        let tagText = tags.isEmpty ? "" : " [" + tags.joined(separator: " ") + "]"
        let line = "\(time) \(event.level.rawValue.uppercased()) \(label)\(tagText) \(event.message)\n"
        sink.write(line)
        LogRing.shared.append(line)
    }
}

/// The last lines this process logged, kept in memory (an agent's own log for evidence).
public final class LogRing: Sendable {
    public static let shared = LogRing(capacity: 2000)
    private let lines = Mutex<[String]>([])
    private let capacity: Int

    public init(capacity: Int) {
        self.capacity = capacity
    }

    public func append(_ line: String) {
        lines.withLock {
            $0.append(line)
            // Trim in batches: removing the first line on every append would copy the ring each time.
            if $0.count >= 2 * capacity { $0.removeFirst($0.count - capacity) }
        }
    }

    /// The kept lines, oldest first.
    public var text: String { lines.withLock { $0.suffix(capacity).joined() } }
}

/// Where log lines go; writes are serialised so lines from several threads never interleave.
public final class LogSink: Sendable {
    private let handle: Mutex<FileHandle>

    public init(handle: FileHandle) {
        self.handle = Mutex(handle)
    }

    public static let standardError = LogSink(handle: .standardError)

    /// A sink appending to `path` (created if needed).
    public static func file(_ path: String) throws(LUTFError) -> LogSink {
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw LUTFError(.io, "cannot open log file \(path)")
        }
        handle.seekToEndOfFile()
        return LogSink(handle: handle)
    }

    public func write(_ line: String) {
        let data = Data(line.utf8)
        handle.withLock { try? $0.write(contentsOf: data) }
    }

    public static func timestamp() -> String {
        var tv = timeval()
        gettimeofday(&tv, nil)
        var t = time_t(tv.tv_sec)
        var parts = tm()
        localtime_r(&t, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let ms = Int(tv.tv_usec / 1000)
        let msText = ms < 10 ? "00\(ms)" : ms < 100 ? "0\(ms)" : "\(ms)"
        return "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(msText)"
    }
}

/// Process-wide logging set-up for the `lutf` command.
public enum LogSetup {
    /// Parses a level name (`trace` ... `critical`); `nil` for anything else.
    public static func level(_ text: String) -> Logger.Level? {
        Logger.Level(rawValue: text.lowercased())
    }

    /// Sends every logger of the process to `sink` at `level`.
    public static func bootstrap(level: Logger.Level, sink: LogSink = .standardError) {
        LoggingSystem.bootstrap { label in LUTFLogHandler(label: label, level: level, sink: sink) }
    }
}
