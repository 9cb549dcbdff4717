import Foundation
import KanbotsCore
import Testing

/// The text helpers the lean supervisor uses instead of full Foundation's
/// give what Foundation gives.
@Suite struct PortableTextTests {
    @Test func printfFormatsLikeStringFormat() {
        #expect(String(printf: "%.2f", 0.125) == String(format: "%.2f", 0.125))
        #expect(String(printf: "$%.4f", 12.345678) == "$12.3457")
        #expect(String(printf: "%04ld-%02ld", 7, 3) == "0007-03")
        // Longer than the first buffer, so the second pass is taken.
        #expect(String(printf: "%0300ld", 1).count == 300)
        #expect(String(printf: "cpu=%.3f rss=%ld", 1.5, 123_456_789) == "cpu=1.500 rss=123456789")
    }

    @Test func trimmingMatchesFoundation() {
        for text in ["  a b \n", "\t\n", "", "x", " \u{00A0}y\u{00A0} ", "\n a \n"] {
            #expect(text.trimmed() == text.trimmingCharacters(in: .whitespacesAndNewlines), "\(text.debugDescription)")
            #expect(text.trimmingSpaces() == text.trimmingCharacters(in: .whitespaces), "\(text.debugDescription)")
        }
        #expect("::a: ".trimming(charactersIn: ": ") == "a")
        #expect("/a/b/".trimming(charactersIn: "/") == "a/b")
    }

    @Test func containsBytesFindsEveryPlacement() {
        let needle = Array("Read-only".utf8)
        #expect(Data("Read-only".utf8).containsBytes(needle))
        #expect(Data("xxRead-only".utf8).containsBytes(needle))
        #expect(Data("RRead-onlx Read-only".utf8).containsBytes(needle))
        #expect(!Data("Read-onl".utf8).containsBytes(needle))
        #expect(!Data("read-only".utf8).containsBytes(needle))
        #expect(!Data().containsBytes(needle))
        #expect(Data("abc".utf8).containsBytes([]))
        let large = Data(repeating: 0x52, count: 1 << 20) + Data("Read-only".utf8)
        #expect(large.containsBytes(needle))
    }
}

/// Agents' JSON read without JSONSerialization reads what JSONSerialization reads.
@Suite struct DynamicJSONTests {
    @Test func readsEveryKindOfValue() throws {
        let text = #"{"s":"a\"b\\c\/d\n\u00e9\ud83d\ude00","i":-42,"d":1.5,"e":2e3,"t":true,"f":false,"n":null,"a":[1,"x",[]],"o":{}}"#
        let object = try #require(try DynamicJSON.parse(Data(text.utf8)) as? [String: Any])
        #expect(object["s"] as? String == "a\"b\\c/d\né😀")
        #expect(object["i"] as? Int == -42)
        #expect(object["d"] as? Double == 1.5)
        #expect(object["e"] as? Double == 2000)
        #expect(object["t"] as? Bool == true && object["f"] as? Bool == false)
        #expect(object["n"] is DynamicJSON.Null)
        #expect((object["a"] as? [Any])?.count == 3)
        #expect((object["o"] as? [String: Any])?.isEmpty == true)
        let foundation = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(foundation["s"] as? String == object["s"] as? String)
    }

    @Test func rejectsWhatIsNotJSON() {
        for text in ["", "{", #"{"a":}"#, #"{"a":1,}"#, "[1 2]", "tru", #""\x""#, "01x", "{} {}", "\"a\u{01}\"", "-", "1.", "1e"] {
            #expect(throws: DynamicJSON.SyntaxError.self, "\(text.debugDescription)") { try DynamicJSON.parse(Data(text.utf8)) }
        }
    }

    @Test func refusesNestingDeeperThanAnyAgentEvent() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: DynamicJSON.SyntaxError.self) { try DynamicJSON.parse(Data(deep.utf8)) }
    }

    @Test func writesSortedCompactJSONLikeJSONSerialization() throws {
        let value: [String: Any] = ["b": [1, "x/y", true, DynamicJSON.null], "a": ["z": 2.5], "c": "line\nbreak\u{01}"]
        let ours = try #require(DynamicJSON.serialize(value))
        #expect(ours == #"{"a":{"z":2.5},"b":[1,"x\/y",true,null],"c":"line\nbreak\u0001"}"#)
        #expect(DynamicJSON.serialize(["bad": Double.nan]) == nil)
    }
}
