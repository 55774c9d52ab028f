import LUTFCore
import LUTFTesting
import Testing

@Suite("YAML/JSON value codec", .timeLimit(.minutes(1)))
struct ValueCodecTests {
    static let samples: [Value] = [
        .null, true, false, 0, -42, 9_223_372_036_854_775_807, 1.5, -0.25, 1e300, "", "plain",
        "quote \" backslash \\ newline \n tab \t nul \u{0}", "unicode é ✓ 😀", [], [1, "two", [3.0, nil]],
        ["a": 1, "b": ["c": [true, false]], "": "empty key"],
    ]

    @Test("JSON round trip", arguments: samples)
    func jsonRoundTrip(_ value: Value) throws {
        let text = JSONText.encode(value)
        #expect(try JSONText.decode(text) == value)
        #expect(try YAMLText.decode(text) == value)
    }

    @Test("block YAML output reads back as the same value", arguments: samples)
    func blockYAMLRoundTrip(_ value: Value) throws {
        let text = YAMLText.encode(value)
        #expect(try YAMLText.decode(text) == value, "YAML was:\n\(text)")
    }

    @Test("seeded random values survive JSON and block YAML")
    func randomRoundTrips() throws {
        var rng = SplitMix64(seed: 20261125)
        for _ in 0..<500 {
            let value = Self.randomValue(&rng, depth: 0)
            #expect(try JSONText.decode(JSONText.encode(value)) == value)
            let yaml = YAMLText.encode(value)
            #expect(try YAMLText.decode(yaml) == value, "YAML was:\n\(yaml)")
        }
    }

    static func randomValue(_ rng: inout SplitMix64, depth: Int) -> Value {
        let words = [
            "mds1", "true", "null", "- x", "a: b", "#c", "0x1f", "1.5", "", " pad ", "::1", "10.0.0.1@tcp", "é",
        ]
        switch rng.next() % (depth > 3 ? 5 : 7) {
        case 0: return .null
        case 1: return .bool(rng.next() % 2 == 0)
        case 2: return .int(Int(truncatingIfNeeded: rng.next()) >> Int(rng.next() % 60))
        case 3: return .double(Double(Int64(truncatingIfNeeded: rng.next() % 100_000)) / 64)
        case 4: return .string(words[Int(rng.next() % UInt64(words.count))])
        case 5: return .list((0..<Int(rng.next() % 4)).map { _ in randomValue(&rng, depth: depth + 1) })
        default:
            var members: [(String, Value)] = []
            for i in 0..<Int(rng.next() % 4) {
                members.append(
                    ("\(words[Int(rng.next() % UInt64(words.count))])\(i)", randomValue(&rng, depth: depth + 1)))
            }
            return .map(.init(members, uniquingKeysWith: { a, _ in a }))
        }
    }

    @Test("a lone surrogate (what Python's surrogateescape makes of a non-UTF-8 byte) becomes U+FFFD")
    func loneSurrogates() throws {
        #expect(try JSONText.decode(Array(#""a\udcffb""#.utf8)) == "a\u{FFFD}b")
        #expect(try JSONText.decode(Array(#""\ud83d""#.utf8)) == "\u{FFFD}")
        #expect(try JSONText.decode(Array(#""\ud83dx""#.utf8)) == "\u{FFFD}x")
    }

    @Test("\\u escapes and surrogate pairs decode")
    func unicodeEscapes() throws {
        #expect(try JSONText.decode(Array(#""\u00e9\ud83d\ude00\n""#.utf8)) == "é😀\n")
    }

    @Test(
        "malformed JSON is refused with a position",
        arguments: [#"{"a":}"#, "[1,2", #"{"a" 1}"#, "tru", #""unterminated"#, "[1]x", "01x"])
    func malformedJSON(_ text: String) {
        #expect(throws: JSONText.ParseError.self) { try JSONText.decode(Array(text.utf8)) }
    }

    @Test("nesting deeper than the limit is refused, not a stack overflow")
    func deepNesting() {
        let text = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONText.ParseError.self) { try JSONText.decode(Array(text.utf8)) }
    }

    @Test("numbers: integers of every length and sign, fractions, exponents, too large for Int")
    func numbers() throws {
        let cases: [(String, Value)] = [
            ("0", 0), ("-0", 0), ("7", 7), ("-42", -42), ("123456789012345678", 123_456_789_012_345_678),
            ("9223372036854775807", .int(Int.max)), ("-9223372036854775808", .int(Int.min)),
            ("1.5", 1.5), ("-2.5e3", -2500.0), ("1E2", 100.0), ("12345678901234567890123", 1.2345678901234568e22),
        ]
        for (text, value) in cases {
            #expect(try JSONText.decode(Array("[\(text)]".utf8)) == [value], "\(text)")
            #expect(try JSONText.decode(Array("{\"n\":\(text)}".utf8)) == ["n": value], "\(text)")
        }
        #expect(throws: JSONText.ParseError.self) { try JSONText.decode(Array("[12x]".utf8)) }
    }

    @Test("encoding with a limit gives the same bytes under it and stops soon after passing it")
    func encodeLimit() throws {
        let value: Value = ["rpc": ["id": 1, "args": [.string(String(repeating: "x", count: 1000)), 2.5, .null]]]
        let bytes = JSONText.encode(value)
        #expect(try JSONText.encode(value, limit: bytes.count) == bytes)
        #expect(throws: JSONText.TooLarge.self) { try JSONText.encode(value, limit: bytes.count - 1) }
        // A list of a million strings (100 MB as JSON) is refused at 64 KiB.
        let huge = Value.list(Array(repeating: .string(String(repeating: "y", count: 100)), count: 1_000_000))
        #expect(throws: JSONText.TooLarge.self) { try JSONText.encode(huge, limit: 64 << 10) }
    }

    @Test("block YAML decodes through the Yams fallback with typed scalars")
    func yamlFallback() throws {
        let value = try YAMLText.decode(
            """
            rpc:
              id: 7
              ratio: 0.5
              ok: true
              name: mds1
              none: ~
              list: [a, 2]
            """)
        #expect(value["rpc"]?["id"] == 7)
        #expect(value["rpc"]?["ratio"] == 0.5)
        #expect(value["rpc"]?["ok"] == true)
        #expect(value["rpc"]?["name"] == "mds1")
        #expect(value["rpc"]?["none"] == .null)
        #expect(value["rpc"]?["list"] == ["a", 2])
        #expect(value["rpc"]?.mapValue?.keys.elements == ["id", "ratio", "ok", "name", "none", "list"])
    }

    @Test("unparsable YAML reports its line")
    func yamlError() {
        do {
            _ = try YAMLText.decode("a: [1, 2\nb: 3\n")
            Issue.record("expected a parse error")
        } catch {
            #expect(error.line != nil)
        }
    }

    @Test("a large member at the deferred path stays JSON text: equal to its tree, spliced back byte for byte")
    func deferredMember() throws {
        let big: Value = .list((0..<20_000).map { .list([.int($0), "ab", 1.5, .null]) })
        let document: Value = ["rpc": ["results": ["return_code": ["value": big, "output": "hi"]]], "id": 7]
        let text = JSONText.encode(document)
        let path = ["rpc", "results", "return_code", "value"]
        let decoded = try JSONText.decode(text, deferring: path)
        guard case .json(let json) = decoded["rpc"]?["results"]?["return_code"]?.mapValue?["value"] else {
            Issue.record("the large value was decoded: \(String(describing: decoded["rpc"]?["results"]).prefix(80))")
            return
        }
        #expect(json.bytes.count >= JSONText.deferredSize)
        #expect(decoded == document)
        #expect(JSONText.encode(decoded) == text)
        #expect(decoded["rpc"]?["results"]?["return_code"]?["value"]?[19_999]?[0]?.intValue == 19_999)
        #expect(YAMLText.encode(decoded) == YAMLText.encode(document))
        // A summary reads only the text's first bytes, and says what the value's would.
        let kept = try #require(decoded["rpc"]?["results"]?["return_code"]?.mapValue?["value"])
        #expect(kept.plainText(prefix: 200) == big.plainText(prefix: 200))
        let long: Value = .string(String(repeating: "é\"\n😀 lnet ", count: 20_000))
        let wrapped = try JSONText.decode(JSONText.encode(["value": long]), deferring: ["value"])
        if case .json = wrapped["value"] {} else { Issue.record("the long string was decoded") }
        #expect(wrapped.mapValue?["value"]?.plainText(prefix: 200) == long.plainText(prefix: 200))

        // Small values, other paths, and text the tree would change (a lone surrogate becomes
        // U+FFFD) are decoded as before; bad text inside a deferred value is still an error.
        let small: Value = ["rpc": ["results": ["return_code": ["value": [1, 2]]]]]
        let smallDecoded = try JSONText.decode(JSONText.encode(small), deferring: path)
        #expect(smallDecoded["rpc"]?["results"]?["return_code"]?["value"]?.listValue == [1, 2])
        #expect(try JSONText.decode(text, deferring: ["rpc", "other"]) == document)
        let lone = String(decoding: text, as: UTF8.self).replacingOccurrences(of: "\"ab\"", with: "\"a\\ud800b\"")
        let repaired = try JSONText.decode(Array(lone.utf8), deferring: path)
        #expect(repaired["rpc"]?["results"]?["return_code"]?["value"]?[0]?[1] == "a\u{FFFD}b")
        if case .json = repaired["rpc"]?["results"]?["return_code"]?.mapValue?["value"] {
            Issue.record("a value with a lone surrogate was kept as text")
        }
        // A list's items without the comma between them, deep inside the deferred value.
        let broken = Array(
            String(decoding: text, as: UTF8.self).replacingOccurrences(of: "],[9999,", with: "][9999,").utf8)
        #expect(broken.count == text.count - 1)
        #expect(throws: JSONText.ParseError.self) { try JSONText.decode(broken, deferring: path) }
    }
}
