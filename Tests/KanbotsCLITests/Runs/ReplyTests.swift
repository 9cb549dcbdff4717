import Foundation
import Testing

/// `git kanbots reply`: a follow-up continues an ended run on its branch and
/// worktree, as a new run, in the same agent session where there is one.
@Suite("reply") struct ReplyTests {
    @Test func aReplyIsANewRunOnTheSameBranchAndWorktree() throws {
        try Sandbox.with(cards: ["Write notes"]) { sandbox in
            let first = try sandbox.dispatch(1)
            let firstInfo = try sandbox.finishedRun(first.id)
            #expect(firstInfo.state == "completed")
            let firstTip = try sandbox.gitOK("rev-parse", first.branch)

            let reply = try DispatchedRun(parsing: try sandbox.kanbotsOK("reply", first.id, "Also mention the follow-up."))
            #expect(reply.id != first.id)
            #expect(reply.branch == first.branch && reply.worktree == first.worktree)
            let info = try sandbox.finishedRun(reply.id)
            #expect(info.state == "completed", "\(info.state) \(info.reason ?? "")")
            #expect(info.baseCommit == firstInfo.baseCommit)

            // The reply's own commit sits on top of the first run's, and only it carries the reply's note.
            let log = try sandbox.gitOK("rev-list", "\(firstTip)..\(first.branch)")
            #expect(!log.isEmpty, "the reply committed nothing on the branch")
            #expect(try sandbox.gitOK("show", "\(first.branch):kanbots-demo/card-1.md").contains("Also mention the follow-up."))
            let firstNote = try sandbox.gitOK("notes", "--ref=kanbots", "show", firstTip)
            #expect(!firstNote.contains(reply.id), "the first run's commit was annotated with the reply: \(firstNote)")
            let replyNote = try sandbox.gitOK("notes", "--ref=kanbots", "show", first.branch)
            #expect(replyNote.contains(reply.id), "the reply's commit has no note naming it: \(replyNote)")

            let record = try sandbox.gitOK("log", "-1", "--format=%B", "refs/kanbots/runs/\(reply.id)")
            #expect(record.contains("Reply-To: \(first.id)"), "\(record)")
            #expect(try sandbox.gitOK("show", "refs/kanbots/runs/\(reply.id):reply-message.txt") == "Also mention the follow-up.")
            // The first run's record is not touched by its reply.
            #expect(try sandbox.finishedRun(first.id).state == "completed")
        }
    }

    @Test func aReplyChecksOutTheBranchAgainAfterGC() throws {
        try Sandbox.with(cards: ["Write notes"]) { sandbox in
            let first = try sandbox.dispatch(1)
            _ = try sandbox.finishedRun(first.id)
            try sandbox.kanbotsOK("gc")
            #expect(!FileManager.default.fileExists(atPath: first.worktree))
            let reply = try DispatchedRun(parsing: try sandbox.kanbotsOK("reply", first.id, "Once more."))
            #expect(try sandbox.finishedRun(reply.id).state == "completed")
            #expect(FileManager.default.fileExists(atPath: first.worktree + "/kanbots-demo/card-1.md"))
            #expect(try sandbox.gitOK("worktree", "list").contains(first.worktree))
        }
    }

    @Test func replyRefusesWhatItCannotContinue() throws {
        try Sandbox.with(cards: ["Slow", "Gone"]) { sandbox in
            let slow = try sandbox.dispatch(1, environment: ["KANBOTS_DEMO_STEP_SECONDS": "5"])
            // The live run keeps writing its own record, so only count runs here.
            let runsBefore = try sandbox.gitOK("for-each-ref", "refs/kanbots/runs/")
            expectCleanError(try sandbox.kanbots("reply", slow.id, "hurry"), mentioning: "still", "stop")
            #expect(try sandbox.gitOK("for-each-ref", "--format=%(refname)", "refs/kanbots/runs/").split(separator: "\n").count
                    == runsBefore.split(separator: "\n").count)
            try sandbox.kanbotsOK("stop", slow.id)

            let gone = try sandbox.dispatch(2)
            _ = try sandbox.finishedRun(gone.id)
            try sandbox.kanbotsOK("discard", gone.id)
            try expectStateUnchanged(sandbox) {
                expectCleanError(try sandbox.kanbots("reply", gone.id, "again"), mentioning: "discarded")
                expectCleanError(try sandbox.kanbots("reply", "999", "hello"), mentioning: "unknown run")
                expectCleanError(try sandbox.kanbots("reply", slow.id, "  "), mentioning: "empty")
            }
        }
    }

    @Test func twoRepliesAtOnceNeverShareTheWorktree() throws {
        try Sandbox.with(cards: ["Write notes"]) { sandbox in
            let first = try sandbox.dispatch(1)
            _ = try sandbox.finishedRun(first.id)
            let replies = try (0..<4).map { index in
                try sandbox.start(try KanbotsBinary.path(), ["reply", first.id, "Reply \(index)"],
                                  environment: ["KANBOTS_DEMO_STEP_SECONDS": "1"])
            }.map { try $0.wait(timeout: 60) }
            #expect(replies.filter(\.succeeded).count == 1, "\(replies)")
            for failed in replies where !failed.succeeded { expectCleanError(failed, mentioning: "still") }
            try sandbox.waitUntilIdle()
        }
    }

    /// The real Claude Code CLI resumes its own session: the mock sees the
    /// follow-up in the same session, and the reply costs only its own turns.
    @Test func realClaudeReplyResumesTheSession() throws {
        try Sandbox.with(cards: ["Create hello.txt"]) { sandbox in
            let claude = try MockAnthropic.claudeBinary(sandbox)
            try sandbox.gitOK("config", "kanbots.agent.claude.path", claude)
            let mock = try MockAnthropic(scenario: "scenario-reply.json", in: sandbox)
            defer { mock.stop() }
            let environment = try mock.claudeEnvironment(in: sandbox)
            let first = try sandbox.dispatch(1, ["--agent", "claude", "--model", "claude-sonnet-4-5"], environment: environment)
            let firstInfo = try sandbox.finishedRun(first.id, timeout: 90)
            #expect(firstInfo.state == "completed", "\(firstInfo.state) \(firstInfo.reason ?? "")")

            let reply = try DispatchedRun(parsing: try sandbox.kanbotsOK(
                "reply", first.id, "Please add bye.txt too.", environment: environment))
            let info = try sandbox.finishedRun(reply.id, timeout: 90)
            #expect(info.state == "completed", "\(info.state) \(info.reason ?? "")")
            #expect(try sandbox.gitOK("show", "\(first.branch):bye.txt") == "Goodbye!")
            #expect(try sandbox.gitOK("show", "\(first.branch):hello.txt") == "Hello, world!")

            let requests = mock.requests().filter { $0["kind"] as? String == "main" }
            let sessions = Set(requests.compactMap { $0["session"] as? String })
            #expect(sessions.count == 1, "the reply did not resume the session: \(sessions)")
            let replyRequest = try #require(requests.first { ($0["turn"] as? String)?.hasPrefix("turn[2]") == true })
            let body = String(decoding: try JSONSerialization.data(withJSONObject: replyRequest["body"] ?? [:]), as: UTF8.self)
            #expect(body.contains("Please add bye.txt too."), "the follow-up did not reach the model")
            #expect(body.contains("Created hello.txt."), "the resumed session lacks the earlier turns")

            let sessionTotal = try #require(Sandbox.resultEvent(in: try sandbox.storedTranscript(reply.id))?["total_cost_usd"] as? Double)
            #expect(sessionTotal > info.costUSD + 0.001, "the CLI's total should span both runs")
            #expect(abs(info.costUSD - (sessionTotal - firstInfo.costUSD)) < 1e-6,
                    "reply cost \(info.costUSD), session total \(sessionTotal), first run \(firstInfo.costUSD)")
        }
    }
}
