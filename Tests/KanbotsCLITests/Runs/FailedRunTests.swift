import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed run says why: the end of the agent's stderr travels with the
/// record, and `show`, `log` and `board` tell it, with the fix when known.
@Suite("failed runs say why") struct FailedRunTests {
    @Test func theEndOfStderrIsKeptRedactedAndShown() throws {
        try Sandbox.with(cards: ["Use a new model"]) { sandbox in
            let secret = "sk-proj-" + String(repeating: "a1B2c3D4", count: 6)
            // 100 KB of noise with a key in it, then the real reason.
            let script = """
            #!/bin/sh
            i=0
            while [ $i -lt 1000 ]; do
              printf 'debug line %04d with key \(secret) padding padding padding padding\\n' $i >&2
              i=$((i+1))
            done
            echo 'Error: model_not_found: The model `gpt-9` does not exist or you do not have access to it.' >&2
            exit 2

            """
            try sandbox.installFakeAgent("claude", script: script)
            let run = try sandbox.dispatch(1, ["--agent", "claude"])
            let info = try sandbox.finishedRun(run.id)
            #expect(info.state == "failed" && info.reason == "agent_exited 2", "\(info.state) \(info.reason ?? "")")

            let kept = try sandbox.gitOK("show", "refs/kanbots/runs/\(run.id):agent-stderr.txt")
            // The last 64 KB as written (shorter once the keys are redacted): the start is cut.
            #expect(kept.utf8.count <= 64 * 1024 && kept.utf8.count > 30 * 1024, "kept \(kept.utf8.count) bytes")
            #expect(!kept.contains("debug line 0000") && kept.contains("debug line 0999"))
            #expect(kept.hasSuffix("does not exist or you do not have access to it."), "kept ends: \(kept.suffix(200))")
            #expect(kept.hasPrefix("debug line "), "kept starts mid-line: \(kept.prefix(80))")
            #expect(!kept.contains(secret) && kept.contains("[REDACTED]"))

            struct Shown: Decodable { var run: Run }
            struct Run: Decodable { var agent_error: String?; var agent_error_fix: String? }
            let shownJSON = try JSON.decode(Shown.self, from: try sandbox.kanbots("show", "--json", run.id)).run
            #expect(shownJSON.agent_error?.contains("model_not_found") == true, "\(shownJSON)")
            #expect(shownJSON.agent_error_fix?.contains("--model") == true, "\(shownJSON)")

            let show = try sandbox.kanbots("show", run.id).stdout
            #expect(show.contains("agent stderr (last 12 lines") && show.contains("`gpt-9` does not exist"), "\(show)")
            #expect(show.contains("fix: the model was not found"), "\(show)")
            #expect(!show.contains(secret))
            let log = try sandbox.kanbots("log", run.id).stdout
            #expect(log.contains("`gpt-9` does not exist") && log.contains("fix: the model was not found"), "\(log)")
            let board = try sandbox.kanbots("board").stdout
            #expect(board.contains("↳ the model was not found"), "\(board)")
        }
    }

    @Test func aRunThatSucceedsKeepsItsStderrButShowsNoError() throws {
        try Sandbox.with(cards: ["Chatty"]) { sandbox in
            let stream = sandbox.root + "/stream.ndjson"
            let lines = try SupervisedAgentTests.fixtureLines(SupervisedAgentTests.capturedWriteFile)
            try sandbox.write(stream, lines.joined(separator: "\n") + "\n")
            try sandbox.installFakeAgent("claude", script: SupervisedAgentTests.fakeClaude(
                stream: stream, argsFile: sandbox.root + "/args.txt",
                then: "echo 'warning: something minor' >&2\necho hi > hi.txt\nexit 0"))
            let run = try sandbox.dispatch(1, ["--agent", "claude"])
            let info = try sandbox.finishedRun(run.id)
            #expect(info.state == "completed", "\(info.state) \(info.reason ?? "")")
            #expect(try sandbox.gitOK("show", "refs/kanbots/runs/\(run.id):agent-stderr.txt") == "warning: something minor")
            #expect(try sandbox.record(run.id)["Agent-Error"] == nil)
            #expect(!(try sandbox.kanbots("show", run.id).stdout.contains("agent stderr")))
        }
    }

    @Test(.enabled(if: getuid() == 0, "Claude Code only refuses bypass mode as root"))
    func realClaudeAsRootWithoutIsSandboxNamesTheFix() throws {
        try Sandbox.with(cards: ["Create hello.txt"]) { sandbox in
            try sandbox.gitOK("config", "kanbots.agent.claude.path", try MockAnthropic.claudeBinary(sandbox))
            let mock = try MockAnthropic(scenario: "scenario-write-file.json", in: sandbox)
            defer { mock.stop() }
            var environment = try mock.claudeEnvironment(in: sandbox)
            environment.removeValue(forKey: "IS_SANDBOX")
            sandbox.environment.removeValue(forKey: "IS_SANDBOX")
            let run = try sandbox.dispatch(1, ["--agent", "claude", "--model", "claude-sonnet-4-5"], environment: environment)
            let info = try sandbox.finishedRun(run.id, timeout: 90)
            #expect(info.state == "failed" && info.reason == "agent_exited 1", "\(info.state) \(info.reason ?? "")")
            let record = try sandbox.record(run.id)
            #expect(record["Agent-Error"]?.contains("cannot be used with root/sudo privileges") == true, "\(record.fields)")
            #expect(record["Agent-Error-Fix"]?.contains("IS_SANDBOX=1") == true, "\(record.fields)")
            let board = try sandbox.kanbots("board").stdout
            #expect(board.contains("↳ Claude Code refuses bypass mode as root"), "\(board)")
            let show = try sandbox.kanbots("show", run.id).stdout
            #expect(show.contains("--dangerously-skip-permissions cannot be used with root/sudo privileges"), "\(show)")
            #expect(show.contains("kanbots.agent.claude.permission-mode"), "\(show)")
        }
    }

    @Test func realCodexWithoutAKeyNamesTheFix() throws {
        try Sandbox.with(cards: ["Say hi"]) { sandbox in
            try sandbox.gitOK("config", "kanbots.agent.codex.path", try MockOpenAI.codexBinary(sandbox))
            let mock = try MockOpenAI(scenario: "scenario-write-file.json", in: sandbox)
            defer { mock.stop() }
            var environment = try mock.codexEnvironment(in: sandbox)
            environment.removeValue(forKey: "OPENAI_API_KEY")
            sandbox.environment.removeValue(forKey: "OPENAI_API_KEY")
            let run = try sandbox.dispatch(1, ["--agent", "codex", "--model", "gpt-5"], environment: environment)
            let info = try sandbox.finishedRun(run.id, timeout: 90)
            #expect(info.state == "failed", "\(info.state) \(info.reason ?? "")")
            let record = try sandbox.record(run.id)
            #expect(record["Agent-Error"] == "Missing environment variable: `OPENAI_API_KEY`.", "\(record.fields)")
            #expect(record["Agent-Error-Fix"]?.contains("set OPENAI_API_KEY") == true, "\(record.fields)")
            #expect(mock.requests().isEmpty, "codex reached the model without a key")
        }
    }
}
