import Foundation
import Testing

/// Agents that speak the Agent Client Protocol, defined in git config and
/// driven by `git-kanbots acp-client`: the scripted agent in
/// Tests/Fixtures/acp-agent for the edges.
@Suite("ACP agents") struct ACPAgentTests {
    static let scriptedAgent = Sandbox.packageRoot + "/Tests/Fixtures/acp-agent/scripted_acp_agent.py"

    /// Defines agent `acp` as the scripted agent playing `script` (trying
    /// to write `intrude` first); returns the file it logs every message it
    /// receives to. Runs are confined when bwrap is here (`kanbots.sandbox
    /// auto`), so the log's folder is the agent's `writable` one.
    ///
    /// It is installed the way pipx or a venv installs a program, all under
    /// the private /tmp's mount point: `bin/` with the program, `lib/` with
    /// what it runs, and the configured path a symlink to it from elsewhere.
    @discardableResult
    static func installScripted(_ sandbox: Sandbox, script: String, toolKind: String = "edit",
                                intrude: [String] = []) throws -> String {
        let log = sandbox.root + "/acp-logs/acp-\(script).log"
        let prefix = sandbox.root + "/agents/acp-\(script)"
        let library = prefix + "/lib/scripted_acp_agent.py"
        try sandbox.write(library, try String(contentsOfFile: scriptedAgent, encoding: .utf8))
        try sandbox.write(prefix + "/bin/acp-agent", """
            #!/bin/sh
            ACP_SCRIPT=\(script) ACP_TOOL_KIND=\(toolKind) ACP_LOG=\(shellQuoted(log)) \\
            ACP_INTRUDE=\(shellQuoted(intrude.joined(separator: ":"))) \\
            exec python3 \(shellQuoted(library)) "$@" --tag \(shellQuoted(log))

            """, executable: true)
        let link = sandbox.root + "/links/acp-\(script)"
        try FileManager.default.createDirectory(atPath: sandbox.root + "/links", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: prefix + "/bin/acp-agent")
        try sandbox.gitOK("config", "kanbots.agent.acp.protocol", "acp")
        try sandbox.gitOK("config", "kanbots.agent.acp.path", link)
        try sandbox.gitOK("config", "kanbots.agent.acp.writable", sandbox.root + "/acp-logs")
        try sandbox.gitOK("config", "kanbots.sandbox", "auto")
        return log
    }

    @Test func aRunWritesCommitsIsMeteredAndRendered() throws {
        try Sandbox.with(cards: ["Write acp.txt"]) { sandbox in
            let log = try Self.installScripted(sandbox, script: "write")
            let run = try sandbox.dispatch(1, ["--agent", "acp", "--model", "scripted-large", "--max-time", "5m"])
            let info = try sandbox.finishedRun(run.id, timeout: 60)
            #expect(info.state == "completed", "\(info.state) \(info.reason ?? "")")
            #expect(try sandbox.gitOK("show", "\(run.branch):acp.txt") == "written over ACP")
            // The agent's own figure wins over tokens × prices.
            #expect(abs(info.costUSD - 0.25) < 1e-9, "cost \(info.costUSD)")
            let record = try sandbox.record(run.id)
            #expect(record["Agent-Protocol"] == "acp" && record["Metered"] == nil && record["Max-Time"] == "300")
            #expect(record["Session"]?.hasPrefix("sess-") == true, "\(record)")
            let received = sandbox.read(log) ?? ""
            #expect(received.contains("received initialize") && received.contains("received session/new")
                && received.contains("model scripted-large") && received.contains("received session/prompt"), "\(received)")

            let transcript = try sandbox.storedTranscript(run.id)
            #expect(transcript.contains(#""stopReason""#), "\(transcript)")
            let rendered = try sandbox.kanbots("log", run.id)
            expectSuccess(rendered)
            #expect(rendered.stdout.contains("Writing the file now."), "chunks are not joined:\n\(rendered.stdout)")
            #expect(rendered.stdout.contains("Write acp.txt") && rendered.stdout.contains("Plan: write acp.txt"),
                    "\(rendered.stdout)")
        }
    }

    @Test func anAgentReportingNothingIsMarkedUnmetered() throws {
        try Sandbox.with(cards: ["Write acp.txt"]) { sandbox in
            try Self.installScripted(sandbox, script: "unmetered")
            try sandbox.gitOK("config", "kanbots.max-time", "none")
            let run = try sandbox.dispatch(1, ["--agent", "acp"])
            let info = try sandbox.finishedRun(run.id, timeout: 60)
            #expect(info.state == "completed", "\(info.state) \(info.reason ?? "")")
            let record = try sandbox.record(run.id)
            #expect(record["Metered"] == "no" && record["Max-Time"] == "none", "\(record)")
            let shown = try sandbox.kanbots("show", run.id, "--json")
            #expect(shown.stdout.contains(#""metered": false"#), "\(shown.stdout)")
            #expect(try sandbox.kanbots("board").stdout.contains("unmetered"))
        }
    }

    @Test func malformedLinesAreKeptAndTheRunGoesOn() throws {
        try Sandbox.with(cards: ["Write acp.txt"]) { sandbox in
            try Self.installScripted(sandbox, script: "malformed")
            let run = try sandbox.dispatch(1, ["--agent", "acp", "--max-time", "5m"])
            let info = try sandbox.finishedRun(run.id, timeout: 60)
            #expect(info.state == "completed", "\(info.state) \(info.reason ?? "")")
            #expect(try sandbox.gitOK("show", "\(run.branch):acp.txt") == "written over ACP")
            #expect(try sandbox.storedTranscript(run.id).contains("this is not json"))
            let rendered = try sandbox.kanbots("log", run.id).stdout
            #expect(rendered.contains("Writing the file now."), "\(rendered)")
        }
    }

    @Test func aCrashMidPromptFailsTheRunAndSaysWhy() throws {
        try Sandbox.with(cards: ["Crash"]) { sandbox in
            try Self.installScripted(sandbox, script: "crash")
            let run = try sandbox.dispatch(1, ["--agent", "acp", "--max-time", "5m"])
            let info = try sandbox.finishedRun(run.id, timeout: 60)
            #expect(info.state == "failed" && info.reason == "agent_exited 1", "\(info.state) \(info.reason ?? "")")
            let transcript = try sandbox.storedTranscript(run.id)
            #expect(transcript.contains("the agent exited in the middle of the prompt (exit status 3)"), "\(transcript)")
            #expect(try sandbox.kanbots("log", run.id).stdout.contains("exited in the middle of the prompt"))
        }
    }

    @Test func aPermissionRequestIsAnsweredThroughAnswer() throws {
        try Sandbox.with(cards: ["Write acp.txt"]) { sandbox in
            let log = try Self.installScripted(sandbox, script: "permission")
            let run = try sandbox.dispatch(1, ["--agent", "acp", "--max-time", "5m"])
            let question = try sandbox.waitForQuestion(run.id, timeout: 60)
            #expect(question["Question"] == "Allow Write acp.txt?", "\(question)")
            let open = try sandbox.openDecisions()
            #expect(open.first?.question.options == ["Allow once", "Reject"])
            #expect(open.first?.question.defaultAnswer == "Reject")
            expectSuccess(try sandbox.kanbots("answer", run.id, "1"))
            let info = try sandbox.finishedRun(run.id, timeout: 60)
            #expect(info.state == "completed", "\(info.state) \(info.reason ?? "")")
            #expect(try sandbox.gitOK("show", "\(run.branch):acp.txt") == "written over ACP")
            #expect(sandbox.read(log)?.contains(#""optionId": "yes-once""#) == true, "\(sandbox.read(log) ?? "")")
        }
    }

    @Test func stopCancelsThePromptBeforeAnySignal() throws {
        try Sandbox.with(cards: ["Hang"]) { sandbox in
            let log = try Self.installScripted(sandbox, script: "hang")
            let run = try sandbox.dispatch(1, ["--agent", "acp", "--max-time", "5m"])
            let prompted = ProcessProbe.waitUntil(timeout: 60, interval: 0.05) {
                sandbox.read(log)?.contains("received session/prompt") == true
            }
            #expect(prompted)
            expectSuccess(try sandbox.kanbots("stop", run.id))
            let info = try sandbox.finishedRun(run.id, timeout: 60)
            #expect(info.state == "cancelled", "\(info.state) \(info.reason ?? "")")
            #expect(sandbox.read(log)?.contains("received session/cancel") == true, "\(sandbox.read(log) ?? "")")
            #expect(try sandbox.storedTranscript(run.id).contains(#""stopReason": "cancelled""#))
        }
    }

    @Test func anAgentThatIgnoresTheCancelIsEndedByTheTimeCap() throws {
        try Sandbox.with(cards: ["Hang"]) { sandbox in
            let log = try Self.installScripted(sandbox, script: "ignore-cancel")
            let run = try sandbox.dispatch(1, ["--agent", "acp", "--max-time", "3s"])
            let info = try sandbox.finishedRun(run.id, timeout: 90)
            #expect(info.state == "failed" && info.reason?.hasPrefix("time_capped") == true,
                    "\(info.state) \(info.reason ?? "")")
            #expect(sandbox.read(log)?.contains("received session/cancel") == true, "\(sandbox.read(log) ?? "")")
            // The agent's command line carries its log's path (--tag).
            let leftovers = try sandbox.run("/usr/bin/env", ["pgrep", "-f", "--", "--tag \(log)"])
            #expect(leftovers.stdout.isEmpty, "the agent outlived its run: \(leftovers.stdout)")
        }
    }
}

extension ACPAgentTests {
    @Test func aReplyStartsANewSessionWithTheSameAgentAndBounds() throws {
        try Sandbox.with(cards: ["Write acp.txt"]) { sandbox in
            let log = try Self.installScripted(sandbox, script: "write")
            let first = try sandbox.dispatch(1, ["--agent", "acp", "--max-time", "5m"])
            _ = try sandbox.finishedRun(first.id, timeout: 60)
            let replied = try sandbox.kanbots("reply", first.id, "Now say goodbye")
            expectSuccess(replied)
            let runs = try sandbox.waitUntilIdle(timeout: 60)
            let reply = try #require(runs.first { $0.id != first.id })
            #expect(reply.state == "completed", "\(reply.state) \(reply.reason ?? "")")
            let record = try sandbox.record(reply.id)
            #expect(record["Agent-Protocol"] == "acp" && record["Max-Time"] == "300" && record["Reply-To"] == first.id)
            let sessions = (sandbox.read(log) ?? "").components(separatedBy: "received session/new").count - 1
            #expect(sessions == 2, "\(sandbox.read(log) ?? "")")
        }
    }
}

extension ACPAgentTests {
    @Test func anUnansweredPermissionTakesItsRefusalAfterDecideAfter() throws {
        try Sandbox.with(cards: ["Write acp.txt"]) { sandbox in
            let log = try Self.installScripted(sandbox, script: "permission")
            let run = try sandbox.dispatch(1, ["--agent", "acp", "--max-time", "5m", "--decide-after", "1s"])
            let info = try sandbox.finishedRun(run.id, timeout: 60)
            #expect(info.state == "completed", "\(info.state) \(info.reason ?? "")")
            let answered = try #require(try sandbox.history(run.id).first { $0["Answer"] != nil })
            #expect(answered["Answer"] == "Reject" && answered["Answer-Source"] == "timeout", "\(answered)")
            #expect(sandbox.read(log)?.contains(#""optionId": "no-once""#) == true, "\(sandbox.read(log) ?? "")")
            #expect(!(try sandbox.git("show", "\(run.branch):acp.txt").succeeded), "written without permission")
        }
    }

    @Test func aDeleteIsNeverAnsweredByTheTimeout() throws {
        try Sandbox.with(cards: ["Delete something"]) { sandbox in
            try Self.installScripted(sandbox, script: "permission", toolKind: "delete")
            let run = try sandbox.dispatch(1, ["--agent", "acp", "--max-time", "5m", "--decide-after", "1s"])
            let question = try sandbox.waitForQuestion(run.id, timeout: 60)
            #expect(question["Question-Irreversible"] == "true", "\(question)")
            Thread.sleep(forTimeInterval: 4)
            #expect(try sandbox.record(run.id)["State"] == "awaiting_decision", "a timeout answered an irreversible question")
            expectSuccess(try sandbox.kanbots("answer", run.id, "2"))
            let info = try sandbox.finishedRun(run.id, timeout: 60)
            #expect(info.state == "completed", "\(info.state) \(info.reason ?? "")")
        }
    }
}
