import Foundation
import Testing

@Suite("dispatch and board") struct DispatchTests {
    @Test func dispatchRunsTheDemoAgentAndTheBoardShowsItInReview() throws {
        try Sandbox.with(cards: ["Add CSV export"]) { sandbox in
            let result = try sandbox.gitKanbots("dispatch", "1")
            expectSuccess(result)
            let run = try DispatchedRun(parsing: result)
            let tag = try sandbox.cloneTag()
            #expect(RunIDs.isWellFormed(run.id) && run.id.hasSuffix("-" + tag), "run id \(run.id), clone \(tag)")
            #expect(run.branch == "kanbots/issue-1-\(run.id)")
            #expect(run.worktree == sandbox.repo + "/.kanbots/worktrees/issue-1-\(run.id)")
            #expect(FileManager.default.fileExists(atPath: run.worktree + "/README.md"), "worktree not checked out")

            try sandbox.waitUntilIdle()
            let board = try sandbox.kanbots("board", "--json")
            let raw = try JSON.object(from: board) as? [String: Any]
            let rawRun = (raw?["runs"] as? [[String: Any]])?.first ?? [:]
            // (`reason` is left out while there is none.)
            for key in ["id", "card", "state", "column", "branch", "worktree", "base", "ahead", "behind",
                        "cost_usd", "started_at", "ended_at"] {
                #expect(rawRun[key] != nil, "board --json run lacks \(key): \(rawRun.keys.sorted())")
            }
            let info = try JSON.decode(BoardInfo.self, from: board)
            #expect(info.runs.count == 1)
            let view = try info.run(run.id)
            #expect(view.card == 1)
            #expect(view.state == "completed")
            #expect(view.column == "in_review")
            #expect(view.branch == run.branch)
            #expect(view.worktree == ".kanbots/worktrees/issue-1-\(run.id)")
            #expect(view.base == "main")
            #expect(view.baseCommit == (try sandbox.gitOK("rev-parse", "main")))
            #expect(view.ahead == 1)
            #expect(view.behind == 0)
            #expect(view.costUSD > 0)
            #expect(view.startedAt != nil && view.endedAt != nil)
            #expect(info.columns["in_review"] == [1])
            #expect(info.unreadable.isEmpty)

            // The branch has the demo agent's commit.
            #expect(try sandbox.gitOK("log", "--format=%s", "main..\(run.branch)") == "Record card 1")
            #expect(try sandbox.git("cat-file", "-e", "\(run.branch):kanbots-demo/card-1.md").succeeded)
            // git log of the run's ref is its lifecycle.
            #expect(try sandbox.lifecycle(run.id) == ["queued", "running", "completed"])
            let subjects = try sandbox.gitOK("log", "--reverse", "--format=%s", "refs/kanbots/runs/\(run.id)")
            #expect(subjects == ["queued", "running", "completed"].map { "run \(run.id): \($0)" }.joined(separator: "\n"))
            // The commit carries a note naming the run.
            let log = try sandbox.gitOK("log", "--notes=kanbots", "-1", run.branch)
            #expect(log.contains("kanbots-run: \(run.id)"), "\(log)")
            // show agrees.
            let show = try sandbox.kanbots("show", run.id, "--json")
            let shown = (try JSON.object(from: show) as? [String: Any])?["transitions"] as? [[String: Any]]
            #expect(shown?.compactMap { $0["state"] as? String } == ["queued", "running", "completed"])
            expectSuccess(try sandbox.kanbots("show", run.id))
            let status = try JSON.decode([RunInfo].self, from: try sandbox.kanbots("status", "--json"))
            #expect(status.map(\.id) == [run.id] && status.first?.state == "completed")
        }
    }

    @Test func dispatchingOneCardTwiceGivesTwoRuns() throws {
        try Sandbox.with(cards: ["Add CSV export"]) { sandbox in
            let first = try sandbox.dispatch(1)
            let second = try sandbox.dispatch(1, ["--base", "main"])
            #expect(first.id != second.id)
            #expect(first.branch != second.branch)
            #expect(first.worktree != second.worktree)
            try sandbox.waitUntilIdle()
            let worktrees = try sandbox.worktrees()
            for run in [first, second] {
                #expect(FileManager.default.fileExists(atPath: run.worktree))
                #expect(worktrees.contains { $0.path == run.worktree && $0.branch == "refs/heads/\(run.branch)" },
                        "\(run.worktree) not registered on \(run.branch): \(worktrees)")
            }
            let board = try sandbox.board()
            #expect(board.runs.map(\.state) == ["completed", "completed"])
            let card = board.cards.first { $0.number == 1 }
            #expect(card?.runs == 2)
            #expect(card?.latestRun == second.id)
        }
    }

    @Test func dispatchJSONAndModelAreRecorded() throws {
        try Sandbox.with(cards: ["Add CSV export"]) { sandbox in
            let result = try sandbox.kanbots("dispatch", "1", "--json", "--model", "claude-sonnet-4-5", "--cap", "1.5")
            let object = try JSON.object(from: result) as? [String: Any]
            let id = try #require(object?["id"] as? String)
            #expect(object?["branch"] as? String == "kanbots/issue-1-\(id)")
            try sandbox.waitUntilIdle()
            let record = try sandbox.record(id)
            #expect(record["Model"] == "claude-sonnet-4-5")
            #expect(record["Cap-USD"] == "1.50")
            #expect(record["Agent"] == "demo")
            #expect(record["State"] == "completed")
            let note = try sandbox.gitOK("notes", "--ref=kanbots", "show", "kanbots/issue-1-\(id)")
            #expect(note.contains("model=claude-sonnet-4-5"), "\(note)")
        }
    }

    /// `dispatch` returns at once: the detached supervisor must not hold on to
    /// the caller's descriptors. `cat` sees the end of its input only when every
    /// copy of the pipe is closed, so an inherited copy makes this pipeline
    /// last as long as the run (about 12 s here).
    @Test func dispatchReturnsAtOnceWhateverDescriptorsItsCallerHolds() throws {
        try Sandbox.with(cards: ["Slow card"]) { sandbox in
            let pipeline = try sandbox.run("/bin/sh", ["-c", "(git-kanbots dispatch 1 9>&1) | cat"],
                                           environment: ["KANBOTS_DEMO_STEP_SECONDS": "1.5"])
            expectSuccess(pipeline)
            let run = try DispatchedRun(parsing: pipeline)
            #expect(pipeline.duration < 6, "the pipeline waited \(pipeline.duration)s, until the run ended")
            #expect(try sandbox.record(run.id)["State"] != nil)
        }
    }

    /// An agent that writes more than one 64 KB slice and exits is metered
    /// to its last line, and `log` prints all of it: both used to stop after
    /// the slice read at the agent's exit (the supervisor then recorded the
    /// cut line as malformed and missed the usage after it).
    @Test func aTranscriptLongerThanOneSliceIsMeteredAndLoggedWhole() throws {
        try Sandbox.with(cards: ["Read a long file"]) { sandbox in
            // Twenty reads of a 170 KB file: far more than the slices read when the agent exits.
            let reads: [[String: Any]] = (1...20).flatMap { turn -> [[String: Any]] in [
                ["type": "assistant", "session_id": "s-long", "message": ["id": "m\(turn)", "role": "assistant", "content": [
                    ["type": "tool_use", "id": "t\(turn)", "name": "Read", "input": ["file_path": "big.txt"]]]]],
                ["type": "user", "session_id": "s-long", "message": ["role": "user", "content": [
                    ["type": "tool_result", "tool_use_id": "t\(turn)", "content": String(repeating: "line of the file\n", count: 10_000)]]]],
            ] }
            let events: [[String: Any]] = [["type": "system", "subtype": "init", "session_id": "s-long", "model": "claude-sonnet-4-5"]]
                + reads + [
                ["type": "assistant", "session_id": "s-long", "message": ["id": "m-last", "role": "assistant", "content": [
                    ["type": "text", "text": "Read all of it."]],
                    "usage": ["input_tokens": 1_000_000, "output_tokens": 0]]],
                // No total_cost_usd: the cost is what the supervisor metered.
                ["type": "result", "subtype": "success", "is_error": false, "session_id": "s-long"],
            ]
            let transcript = sandbox.root + "/long.ndjson"
            try sandbox.write(transcript, try events.map {
                String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) + "\n"
            }.joined())
            try sandbox.installFakeAgent("claude", script: "#!/bin/sh\nexec cat \(shellQuoted(transcript))\n")
            let run = try sandbox.dispatch(1, ["--agent", "claude", "--model", "claude-sonnet-4-5", "--cap", "50"])
            #expect(try sandbox.finishedRun(run.id).state == "completed")
            let shown = try JSON.object(from: try sandbox.kanbotsOK("show", "--json", run.id)) as? [String: Any]
            let cost = (shown?["run"] as? [String: Any])?["cost_usd"] as? Double
            // A million input tokens cost dollars at any model's price; the reads before them, fractions of a cent.
            #expect((cost ?? 0) >= 3, "the last line's usage was not metered: recorded \(String(describing: cost))")
            let log = try sandbox.kanbotsOK("log", run.id).stdout
            #expect(log.contains("Read all of it."), "\(log)")
            #expect(!log.contains("unreadable"), "\(log)")
        }
    }
}
