import Foundation
import KanbotsCore
import Testing

@testable import KanbotsAgents

/// "Did the agent test its own work?" read from parsed streams.
@Suite struct AgentTestDetectorTests {
    static func verdict(_ lines: [String], parser: some StreamParser,
                        testCommands: [String] = AgentTestDetector.defaultTestCommands) -> AgentTested {
        var parser = parser
        var detector = AgentTestDetector(testCommands: testCommands)
        for event in decode(lines, with: &parser).joined() { detector.consume(event) }
        return detector.verdict
    }

    static func claudeBash(_ id: String, _ command: String) -> String {
        #"{"type":"assistant","message":{"model":"claude-sonnet-4-5","id":"msg_\#(id)","content":[{"type":"tool_use","id":"\#(id)","name":"Bash","input":{"command":"\#(command)"}}],"usage":{"input_tokens":1,"output_tokens":1}}}"#
    }

    static func claudeResult(_ id: String, error: Bool, _ text: String) -> String {
        #"{"type":"user","message":{"role":"user","content":[{"tool_use_id":"\#(id)","type":"tool_result","content":"\#(text)","is_error":\#(error)}]}}"#
    }

    @Test func capturedClaudeSessionThatRanItsTestsPassed() {
        #expect(Self.verdict(Fixture.claudeLines, parser: ClaudeStreamParser()) == .passed)
    }

    @Test func capturedCodexSessionWhoseLastTestRunFailed() {
        #expect(Self.verdict(Fixture.codexLines, parser: CodexStreamParser(model: "gpt-5-codex")) == .failed)
    }

    @Test func theLastTestRunDecides() {
        let failedThenPassed = [
            Self.claudeBash("t1", "swift test"), Self.claudeResult("t1", error: true, "Exit code 1\\nerror: 2 failures"),
            Self.claudeBash("t2", "cd app && swift test --filter Export"), Self.claudeResult("t2", error: false, "ok"),
            Self.claudeBash("t3", "git status"), Self.claudeResult("t3", error: true, "not a test"),
        ]
        #expect(Self.verdict(failedThenPassed, parser: ClaudeStreamParser()) == .passed)
        let passedThenFailed = Array(failedThenPassed[2...3]) + failedThenPassed[0...1]
        #expect(Self.verdict(passedThenFailed, parser: ClaudeStreamParser()) == .failed)
    }

    @Test func anAgentThatNeverRanTestsDidNotTest() {
        let lines = [
            Self.claudeBash("b1", "swift build"), Self.claudeResult("b1", error: false, "Build complete"),
            Self.claudeBash("b2", "echo swift-test-is-not-a-test"), Self.claudeResult("b2", error: false, "x"),
            #"{"type":"assistant","message":{"id":"m9","content":[{"type":"tool_use","id":"r1","name":"Read","input":{"file_path":"Tests/pytest.ini"}}]}}"#,
        ]
        #expect(Self.verdict(lines, parser: ClaudeStreamParser()) == .no)
    }

    @Test func aTestCallWithoutAResultCountsAsFailed() {
        #expect(Self.verdict([Self.claudeBash("k1", "pytest -q")], parser: ClaudeStreamParser()) == .failed)
    }

    @Test func configuredCommandsReplaceTheDefaults() {
        let lines = [Self.claudeBash("c1", "./scripts/test.sh --fast"), Self.claudeResult("c1", error: false, "ok")]
        #expect(Self.verdict(lines, parser: ClaudeStreamParser()) == .no)
        #expect(Self.verdict(lines, parser: ClaudeStreamParser(), testCommands: ["scripts/test.sh"]) == .no)
        #expect(Self.verdict(lines, parser: ClaudeStreamParser(), testCommands: ["test.sh"]) == .passed)
    }

    @Test func commandsMatchOnWholeWords() {
        let detector = AgentTestDetector()
        for command in ["swift test", "python -m pytest -q tests/", "go test ./...", "(cargo test)", "npm test;",
                        "pnpm test", "yarn test --watch=false", "make test", "mvn -q test", "./gradlew test",
                        "/usr/bin/ctest --output-on-failure", "bash -lc 'swift test'"] {
            #expect(detector.isTestCommand(command), "\(command)")
        }
        for command in ["swift build", "swift testing", "cat go_test.go", "echo maketest", "swift build --build-tests"] {
            #expect(!detector.isTestCommand(command), "\(command)")
        }
    }
}
