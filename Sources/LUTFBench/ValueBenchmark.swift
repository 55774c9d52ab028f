import LUTFCore
import LUTFWire
import NIOCore

/// `lutf bench --only values`: how fast a value becomes wire bytes and back.
///
/// Two shapes at 1 KiB, 1 MiB and 16 MiB: one string (a log or a file's text, the common heavy
/// value) and a tree of small maps (what `lnetctl ... show` returns, many small strings and
/// integers). Each is encoded as the wire encodes it (compact JSON), sealed into a frame with its
/// MAC, and decoded; the figure is the value's encoded size over the time taken (best of a few
/// rounds, so a busy moment of the machine does not count).
public struct ValueBenchmark: Sendable {
    public var sizes = [1 << 10, 1 << 20, 16 << 20]

    public init() {}

    public func run(print report: @Sendable (String) -> Void) throws {
        report("values: encode (compact JSON) / seal (frame + HMAC) / decode, best of the rounds:")
        var sealer = FrameSealer(direction: FrameSealer.clientDirection)
        sealer.sessionKey = .init(size: .bits256)
        for (shape, make) in [("string", Self.string), ("tree", Self.tree)] as [(String, (Int) -> Value)] {
            for size in sizes {
                let value = make(size)
                let rounds = size >= 16 << 20 ? 3 : size >= 1 << 20 ? 10 : 2000
                var encoded: [UInt8] = []
                let encode = Self.best(rounds) { encoded = JSONText.encode(value) }
                let seal = Self.best(rounds) {
                    var buffer = ByteBuffer()
                    sealer.seal(typeCode: MessageType.rpcRequest.rawValue, body: encoded, into: &buffer)
                }
                var decoded: Value = .null
                let decode = Self.best(rounds) { decoded = (try? JSONText.decode(encoded)) ?? .null }
                guard decoded == value else {
                    report("  \(shape) \(size.bytesText): decoded value differs from the original")
                    continue
                }
                let bytes = Double(encoded.count)
                report(
                    "  \(shape) \(size.bytesText): encode \(Self.rate(bytes, encode))  seal \(Self.rate(bytes, seal))  decode \(Self.rate(bytes, decode))  (target >= 200 MB/s)"
                )
            }
        }
        // What the master does with a remote call's result: it decodes the response around it
        // and passes the value itself on as JSON text (RPC.resultPath), then writes it to the
        // test's script.
        for size in sizes where size >= 1 << 20 {
            let value = Self.tree(size)
            let response: Value = ["rpc": ["results": ["return_code": ["value": value, "output": ""]]]]
            let encoded = JSONText.encode(response)
            let rounds = size >= 16 << 20 ? 3 : 10
            var decoded: Value = .null
            let decode = Self.best(rounds) {
                decoded = (try? JSONText.decode(encoded, deferring: RPC.resultPath)) ?? .null
            }
            var passed: [UInt8] = []
            let pass = Self.best(rounds) { passed = JSONText.encode(decoded) }
            guard passed == encoded else {
                report("  tree \(size.bytesText) relayed: the bytes passed on differ from those received")
                continue
            }
            let bytes = Double(encoded.count)
            report(
                "  tree \(size.bytesText) relayed by the master (result kept as JSON text): decode \(Self.rate(bytes, decode))  encode \(Self.rate(bytes, pass))"
            )
        }
    }

    /// A string of about `size` bytes of printable text with a newline every 80 characters.
    static func string(_ size: Int) -> Value {
        let line = String(repeating: "lnet 192.168.1.2@tcp peer ni healthy; ", count: 2).prefix(79) + "\n"
        return .string(String(repeating: String(line), count: max(1, size / 80)))
    }

    /// A list of peer-like maps, about `size` bytes encoded.
    static func tree(_ size: Int) -> Value {
        let one: Value = [
            "primary nid": "192.168.1.2@tcp", "Multi-Rail": true, "peer state": 273,
            "peer ni": [["nid": "192.168.1.2@tcp", "state": "up", "health stats": ["health value": 1000]]],
        ]
        let each = JSONText.encode(one).count + 1
        return .list(Array(repeating: one, count: max(1, size / each)))
    }

    /// The shortest of `rounds` timings of `body`, in seconds.
    static func best(_ rounds: Int, _ body: () -> Void) -> Double {
        var best = Double.infinity
        for _ in 0..<rounds {
            let start = Monotonic.nanoseconds()
            body()
            best = min(best, Monotonic.secondsSince(start))
        }
        return best
    }

    static func rate(_ bytes: Double, _ seconds: Double) -> String {
        "\(Int((bytes / seconds / 1e6).rounded())) MB/s"
    }
}

extension Int {
    fileprivate var bytesText: String {
        self >= 1 << 20 ? "\(self >> 20) MiB" : "\(self >> 10) KiB"
    }
}
