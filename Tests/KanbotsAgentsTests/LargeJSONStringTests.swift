import Foundation
import Testing

@testable import KanbotsAgents

/// Long strings skip Foundation's decoding; what the parsers report about
/// them must not change for it.
@Suite struct LargeJSONStringTests {
    static let tricky = "línea 1 \"quoted\" back\\slash tab\t/slash é 😀 👩‍👩‍👧 \u{1}\r\n"

    /// Writes `content` as a JSON string literal by hand, choosing escapes.
    static func literal(_ content: String, escapingNonASCII: Bool) -> String {
        var out = ""
        for scalar in content.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "/": out += "\\/"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            case _ where scalar.value > 0x7F && escapingNonASCII:
                for unit in String(scalar).utf16 { out += String(format: "\\u%04X", unit) }
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func toolResultLine(_ content: String, escapingNonASCII: Bool) -> String {
        let literal = literal(content, escapingNonASCII: escapingNonASCII)
        return #"{"type":"user","message":{"role":"user","content":[{"tool_use_id":"t1","type":"tool_result","content":"\#(literal)","is_error":false}]}}"#
    }

    @Test(arguments: [false, true], [1, 300, 5000])
    func reportsTheSameResultAsAFullDecode(escapingNonASCII: Bool, repetitions: Int) throws {
        let content = String(repeating: Self.tricky, count: repetitions)
        let line = Self.toolResultLine(content, escapingNonASCII: escapingNonASCII)
        #expect((elidingLargeStrings(in: Data(line.utf8)) != nil) == (repetitions > 1))
        var parser = ClaudeStreamParser()
        let expected = ToolResult(toolUseID: "t1", isError: false, output: content)
        #expect(parser.events(fromLine: line) == [.toolResult(expected)])
        #expect(expected.byteCount == content.utf8.count)
    }

    @Test func elidesOnlyLongValuesNotKeys() throws {
        let longKey = String(repeating: "k", count: 5000)
        let longValue = String(repeating: "v", count: 5000)
        let line = Data(#"{"\#(longKey)":"short","b":"\#(longValue)","c":["x","\#(longValue)"]}"#.utf8)
        let (skeleton, strings) = try #require(elidingLargeStrings(in: line))
        #expect(strings.count == 2)
        #expect(strings.allSatisfy { $0.decodedByteCount == 5000 && $0.lineCount == 1 })
        let object = try #require(try JSONSerialization.jsonObject(with: skeleton) as? [String: Any])
        let restored = try #require(restoringElidedStrings(in: object, strings) as? [String: Any])
        #expect(restored[longKey] as? String == "short")
        #expect(stringValue(restored["b"]) == longValue)
        #expect(stringValue((restored["c"] as? [Any])?[1]) == longValue)
    }

    @Test func leavesBrokenLinesToFoundation() {
        let body = String(repeating: "x", count: 20_000)
        #expect(elidingLargeStrings(in: Data(#"{"a":"\#(body)"#.utf8)) == nil)  // Unterminated.
        #expect(elidingLargeStrings(in: Data("{\"a\":\"\(body)\u{1}\"}".utf8)) == nil)  // Raw control character.
        #expect(elidingLargeStrings(in: Data(#"{"a":"\#(body)\q"}"#.utf8)) == nil)  // Unknown escape.

        var parser = ClaudeStreamParser()
        let truncated = #"{"type":"user","message":{"content":[{"type":"tool_result","content":"\#(body)"#
        #expect(parser.events(fromLine: truncated, lineNumber: 7, byteOffset: 70)
            == [.malformed(lineNumber: 7, byteOffset: 70, reason: "invalid JSON (\(truncated.utf8.count) bytes)")])
        let notJSON = #"{"type":"user","message":{"content":[{"type":"tool_result","content":"\#(body)"}]]}"#
        guard case .malformed = parser.events(fromLine: notJSON).first else {
            Issue.record("a line with a long string and broken structure was accepted")
            return
        }
    }

    @Test func decodesLongAssistantTextAndCodexOutputInFull() {
        let text = String(repeating: "Paragraph with é and \"quotes\".\n", count: 1000)
        let literal = Self.literal(text, escapingNonASCII: true)
        var claude = ClaudeStreamParser(estimatesOutputTokens: false)
        let assistant = #"{"type":"assistant","message":{"id":"m","model":"claude-sonnet-4-5","content":[{"type":"text","text":"\#(literal)"}]}}"#
        #expect(claude.events(fromLine: assistant) == [.assistantText(text)])

        var codex = CodexStreamParser()
        _ = codex.events(fromLine: #"{"type":"item.started","item":{"id":"i","type":"command_execution","command":"make","aggregated_output":"","exit_code":null,"status":"in_progress"}}"#)
        let done = #"{"type":"item.completed","item":{"id":"i","type":"command_execution","command":"make","aggregated_output":"\#(literal)","exit_code":2,"status":"failed"}}"#
        #expect(codex.events(fromLine: done) == [.toolResult(ToolResult(toolUseID: "i", isError: true, output: text))])
    }
}
