import Foundation
import Testing

/// A real ACP agent from PyPI: `claude-code-acp`, driving the real Claude
/// Code CLI (bundled in claude-agent-sdk) against the project's mock
/// Anthropic API, dispatched through `kanbots.agent.NAME.protocol acp`.
@Suite("claude-code-acp, a real ACP agent") struct ClaudeCodeACPTests {
    /// `KANBOTS_TEST_CLAUDE_CODE_ACP`, else what scripts/install-claude-code-acp.sh prints.
    static func program(_ sandbox: Sandbox) throws -> String {
        if let configured = ProcessInfo.processInfo.environment["KANBOTS_TEST_CLAUDE_CODE_ACP"], !configured.isEmpty {
            return configured
        }
        let script = Sandbox.packageRoot + "/scripts/install-claude-code-acp.sh"
        let result = try sandbox.run("/usr/bin/env", ["bash", script], in: Sandbox.packageRoot,
                                     environment: ["HOME": ProcessInfo.processInfo.environment["HOME"] ?? sandbox.home],
                                     timeout: 900)
        guard result.succeeded, KanbotsBinary.isExecutableFile(result.output) else {
            throw TestFailure("cannot install claude-code-acp (set KANBOTS_TEST_CLAUDE_CODE_ACP or fix the script): \(result)")
        }
        return result.output
    }

    @Test func writesAFileAfterItsPermissionRequestsAreAnsweredAndIsUnmetered() throws {
        try Sandbox.with(cards: ["Create hello.txt"]) { sandbox in
            try sandbox.gitOK("config", "kanbots.agent.claude-acp.protocol", "acp")
            try sandbox.gitOK("config", "kanbots.agent.claude-acp.path", try Self.program(sandbox))
            // Confined when bwrap is here: its Claude keeps ~/.claude writable.
            try sandbox.gitOK("config", "kanbots.sandbox", "auto")
            let mock = try MockAnthropic(scenario: "scenario-write-file.json", in: sandbox)
            defer { mock.stop() }
            let run = try sandbox.dispatch(1, ["--agent", "claude-acp", "--max-time", "10m"],
                                           environment: try mock.claudeEnvironment(in: sandbox))

            // Claude Code asks before Write (a read-only `cat` it runs unasked): a question on the run.
            let question = try sandbox.waitForQuestion(run.id, timeout: 120)
            #expect(question["Question"]?.hasPrefix("Allow Write ") == true, "\(question)")
            let open = try sandbox.openDecisions()
            #expect(open.first?.question.options == ["Always Allow", "Allow", "Reject"], "\(open)")
            #expect(open.first?.question.defaultAnswer == "Reject")
            #expect(!sandbox.exists(".kanbots/worktrees/" + (run.branch.split(separator: "/").last.map(String.init) ?? "") + "/hello.txt"),
                    "the file was written before the human allowed it")
            expectSuccess(try sandbox.kanbots("answer", run.id, "allow"))
            let info = try sandbox.finishedRun(run.id, timeout: 120)
            #expect(info.state == "completed", "\(info.state) \(info.reason ?? "")")
            #expect(try sandbox.gitOK("show", "\(run.branch):hello.txt") == "Hello, world!")
            #expect(try sandbox.record(run.id)["Metered"] == "no", "claude-code-acp reports no usage")
            #expect(try sandbox.record(run.id)["Sandbox"] == (Bubblewrap.works ? "bwrap" : nil))
            #expect(mock.requests().count >= 3, "the CLI did not talk to the mock: \(mock.requests().count) requests")

            let rendered = try sandbox.kanbots("log", run.id).stdout
            #expect(rendered.contains("Created hello.txt with a greeting."), "\(rendered)")
        }
    }
}
