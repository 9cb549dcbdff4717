import Foundation
import Testing

/// Attempts: runs of one card are alternatives, not conflicts. Real runs of
/// scripted agents (ReviewFixture's), several per card.
@Suite("attempts") struct AttemptsTests {
    @Test func threeAttemptsOfOneCardAreNotConflictsAndLandingOneSupersedesTheOthers() throws {
        try ReviewFixture.with(cards: 2) { fixture, sandbox in
            // Each attempt of card 1 rewrites line 5 its own way, and so does card 2.
            try fixture.append(card: 1, #"sed -i "5s/.*/attempt $KANBOTS_RUN_ID/" app.txt"#)
            try fixture.edit(card: 2, line: 5, in: "app.txt", to: "card two")
            let attempts = try Self.dispatch(sandbox, "1", "--attempts", "3").map(\.id)
            #expect(attempts.count == 3)
            let other = try sandbox.dispatch(2).id
            _ = try sandbox.waitUntilIdle()

            // Cold (the merges themselves, not the cache `status` just filled), then warm: the same.
            try FileManager.default.removeItem(atPath: sandbox.repo + "/.git/kanbots/cache")
            let cold = try sandbox.kanbotsOK("review", "--json").stdout
            #expect(try sandbox.kanbotsOK("review", "--json").stdout == cold)
            try FileManager.default.removeItem(atPath: sandbox.repo + "/.git/kanbots/cache")
            let queue = try fixture.review()
            for attempt in attempts {
                let readiness = try #require(queue[attempt], "\(attempt) is not in the queue: \(queue.keys)")
                // Only card 2's run, never the other attempts.
                #expect(readiness["conflicting_runs"] as? Int == 1, "\(readiness)")
                #expect(ReviewFixture.conflicts(readiness) == ["#2 app.txt"], "\(readiness)")
                #expect(readiness["label"] as? String == "conflicts #2")
            }
            let two = try #require(queue[other])
            #expect(ReviewFixture.conflicts(two) == Array(repeating: "#1 app.txt", count: 3), "\(two)")
            #expect(two["label"] as? String == "conflicts #1 (3 runs)")
            // One group for the four runs: the board lists it once.
            let board = try ReviewFixture.document(try sandbox.kanbots("board", "--json"))
            #expect((board["conflict_groups"] as? [[String: Any]])?.count == 1, "\(board["conflict_groups"] ?? "none")")

            // The text queue: the card once, its attempts below it, one line each.
            let text = try sandbox.kanbotsOK("review").stdout
            #expect(text.contains("3 attempts: 3 conflicts"), "\(text)")
            #expect(text.components(separatedBy: "attempt run ").count == 4, "\(text)")
            #expect(text.contains("conflicts with #1 (3 runs, app.txt)"), "\(text)")

            // The plan lands one attempt; the others are superseded by it, and card 2 waits for it alone.
            let plan = try ReviewFixture.document(try sandbox.kanbots("land", "--plan", "--json"))
            #expect(((plan["order"] as? [[String: Any]]) ?? []).compactMap { $0["run"] as? String } == [attempts[0]], "\(plan)")
            let held = Dictionary(((plan["held"] as? [[String: Any]]) ?? []).map { ($0["run"] as? String ?? "", $0) },
                                  uniquingKeysWith: { first, _ in first })
            #expect(held[attempts[1]]?["action"] as? String == "superseded" && held[attempts[2]]?["action"] as? String == "superseded",
                    "\(plan)")
            #expect(held[other]?["action"] as? String == "wait" && held[other]?["blocked_by"] as? [String] == [attempts[0]],
                    "\(plan)")
            // The inbox names the attempt the plan lands, not the latest.
            let inbox = try ReviewFixture.array(try sandbox.kanbots("inbox", "--json"))
            let cardOne = inbox.first { $0["card"] as? Int == 1 }
            #expect(cardOne?["run"] as? String == attempts[0], "\(inbox)")

            // Landing the second attempt supersedes the first and the third: kept, not deleted.
            let landed = try sandbox.kanbots("land", attempts[1])
            expectSuccess(landed)
            #expect(landed.stdout.contains("superseded the other attempts of card #1: \(attempts[0]), \(attempts[2])"), "\(landed)")
            #expect(try sandbox.record(attempts[1])["State"] == "merged")
            for attempt in [attempts[0], attempts[2]] {
                let record = try sandbox.record(attempt)
                #expect(record["State"] == "superseded" && record["Superseded-By"] == attempts[1], "\(record)")
                let branch = try #require(try sandbox.runs().first { $0.id == attempt }).branch
                expectSuccess(try sandbox.git("rev-parse", "--verify", "-q", branch))
            }
            let after = try sandbox.board()
            #expect(after.columns["done"] == [1] && after.columns["in_review"] == [2], "\(after.columns)")
            let runs = try ReviewFixture.objects(try sandbox.kanbots("board", "--json"), key: "runs")
            #expect(runs.first { $0["id"] as? String == attempts[0] }?["column"] as? String == "done")
            let review = try fixture.review()
            #expect(review.keys.sorted() == [other], "superseded attempts left the queue: \(review.keys)")
            #expect(review[other]?["verdict"] as? String == "conflicts-with-base")
        }
    }

    @Test func attemptsTakeTheGivenAgentsInTurnAndAreNeverConflicts() throws {
        try ReviewFixture.with(cards: 1) { fixture, sandbox in
            let arguments = sandbox.root + "/codex-arguments"
            try sandbox.installFakeAgent("codex", script: Self.codexScript(edits: fixture.edits, arguments: arguments))
            // Both attempts add the same new file with their own text: an add/add conflict between cards.
            try fixture.append(card: 1, #"echo "$KANBOTS_RUN_ID" > attempt.txt"#)
            let started = try Self.dispatch(sandbox, "1", "--attempts", "2", "--agent", "claude,codex", "--model", "m-one,m-two")
            #expect(started.map(\.agent) == ["claude", "codex"], "\(started)")
            _ = try sandbox.waitUntilIdle()
            for (run, model) in zip(started, ["m-one", "m-two"]) {
                let record = try sandbox.record(run.id)
                #expect(record["State"] == "completed" && record["Agent"] == run.agent, "\(record)")
                #expect(record["Model"] == model, "\(record)")
            }
            #expect(sandbox.read(arguments)?.contains("m-two") == true, "codex was not started with its model")
            let queue = try fixture.review()
            #expect(started.allSatisfy { queue[$0.id]?["verdict"] as? String == "ready" }, "\(queue)")
            #expect(try sandbox.kanbotsOK("review").stdout.contains("2 attempts: 2 ready"))

            // Names that do not fit get one line with the fix, and start nothing.
            try expectStateUnchanged(sandbox) {
                expectCleanError(try sandbox.kanbots("dispatch", "1", "--attempts", "1", "--agent", "claude,codex"),
                                 mentioning: "--attempts 2")
                expectCleanError(try sandbox.kanbots("dispatch", "1", "--agent", "claude,,codex"), mentioning: "empty name")
                expectCleanError(try sandbox.kanbots("dispatch", "1", "--attempts", "0"), mentioning: "between 1 and")
            }
        }
    }

    struct Started: Decodable {
        var id: String
        var agent: String
    }

    /// `dispatch ARGS --json` with several attempts: an array of runs.
    static func dispatch(_ sandbox: Sandbox, _ arguments: String...) throws -> [Started] {
        let result = try sandbox.run(try KanbotsBinary.path(), ["dispatch"] + arguments + ["--json"], in: nil, environment: [:])
        guard result.succeeded else { throw TestFailure("dispatch failed: \(result)") }
        return try JSONDecoder().decode([Started].self, from: Data(result.stdout.utf8))
    }

    /// A Codex stand-in: records its arguments, applies the card's edit
    /// script, commits, and reports in `codex exec --json`'s events.
    static func codexScript(edits: String, arguments: String) -> String {
        [
            "#!/bin/sh",
            "echo \"$@\" > \(shellQuoted(arguments))",
            #"echo '{"type":"thread.started","thread_id":"0199a213-81c0-7800-8aa1-bbab2a035a53"}'"#,
            "script=\(shellQuoted(edits))/card-$KANBOTS_CARD.sh",
            #"[ -f "$script" ] && sh "$script""#,
            #"git add -A >/dev/null 2>&1 && git commit -qm "Work on card $KANBOTS_CARD" >/dev/null 2>&1"#,
            #"echo '{"type":"item.completed","item":{"id":"item_0","type":"agent_message","text":"Done."}}'"#,
            #"echo '{"type":"turn.completed","usage":{"input_tokens":100,"cached_input_tokens":0,"output_tokens":10}}'"#,
            "exit 0", "",
        ].joined(separator: "\n")
    }
}
