import Foundation

/// One record of the simulated kernel debug buffer (`lctl dk`).
public struct DebugRecord: Codable, Sendable {
    public var subsystem: UInt32
    public var mask: UInt32
    public var time: Double
    public var pid: Int32
    public var location: String
    public var text: String

    public init(subsystem: UInt32 = 0x400, mask: UInt32, location: String, text: String) {
        self.subsystem = subsystem
        self.mask = mask
        self.time = Date().timeIntervalSince1970
        self.pid = getpid()
        self.location = location
        self.text = text
    }

    /// The record as `lctl dk` prints it.
    public var line: String {
        let seconds = Int(time)
        let micros = Int((time - Double(seconds)) * 1e6)
        let hex = { (v: UInt32) in String(format: "%08x", v) }
        return
            "\(hex(subsystem)):\(hex(mask)):0.0:\(seconds).\(String(format: "%06d", micros)):0:\(pid):0:(\(location)) \(text)"
    }
}

/// The `debug` mask names and values, and the debug buffer's rules.
public enum DebugLog {
    /// Mask names by bit, 0 to 31.
    public static let names = [
        "trace", "inode", "super", "iotrace", "malloc", "cache", "info", "ioctl", "neterror", "net", "warning",
        "buffs", "other", "dentry", "nettrace", "page", "dlmtrace", "error", "emerg", "ha", "rpctrace", "vfstrace",
        "reada", "mmap", "config", "console", "quota", "sec", "lfsck", "hsm", "snapshot", "layout",
    ]
    /// The bits every plain-token setting starts from.
    public static let mandatory: UInt32 = bits(["warning", "error", "emerg", "console"])
    public static let defaultMask: UInt32 = bits([
        "ioctl", "neterror", "warning", "error", "emerg", "ha", "config", "console", "lfsck",
    ])
    public static let maxRecords = 10_000

    public static func bit(_ name: String) -> UInt32 {
        names.firstIndex(of: name).map { UInt32(1) << UInt32($0) } ?? 0
    }

    static func bits(_ list: [String]) -> UInt32 {
        list.reduce(0) { $0 | bit($1) }
    }

    /// `ioctl neterror ...` (or `0` for an empty mask).
    public static func text(_ mask: UInt32) -> String {
        let set = names.enumerated().filter { mask & (UInt32(1) << UInt32($0.offset)) != 0 }.map(\.element)
        return set.isEmpty ? "0" : set.joined(separator: " ")
    }

    /// Applies a `set_param debug=VALUE`; `nil` when a token is unknown.
    public static func apply(_ value: String, to current: UInt32) -> UInt32? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let number = Int64(trimmed) { return number == -1 ? UInt32.max : UInt32(truncatingIfNeeded: number) }
        if trimmed.hasPrefix("0x"), let number = UInt32(trimmed.dropFirst(2), radix: 16) { return number }
        let tokens = trimmed.split { $0 == " " || $0 == "," }.map(String.init)
        var mask = current
        var replaced = false
        for token in tokens {
            if token.hasPrefix("+") || token.hasPrefix("-") {
                let name = String(token.dropFirst())
                let value: UInt32
                switch name {
                case "all": value = UInt32.max
                default:
                    guard names.contains(name) else { return nil }
                    value = bit(name)
                }
                mask = token.hasPrefix("+") ? mask | value : mask & ~value
            } else {
                if !replaced {
                    mask = mandatory
                    replaced = true
                }
                switch token {
                case "all": mask = UInt32.max
                case "none": mask = 0
                case "default": mask = defaultMask
                default:
                    guard names.contains(token) else { return nil }
                    mask |= bit(token)
                }
            }
        }
        return mask
    }
}

extension SimState {
    /// Appends a record to the debug buffer (kept only if its mask is enabled, like the kernel).
    public mutating func debug(_ mask: String, _ location: String, _ text: String) {
        let bit = DebugLog.bit(mask)
        guard debugMask & bit != 0 else { return }
        debugLog.append(DebugRecord(mask: bit, location: location, text: text))
        if debugLog.count > DebugLog.maxRecords { debugLog.removeFirst(debugLog.count - DebugLog.maxRecords) }
    }
}
