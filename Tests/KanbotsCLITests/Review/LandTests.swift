import Foundation
import Testing

/// `land`: plans simulated in memory, then real merges into main, one run
/// at a time, with checks on each intermediate result.
@Suite("land") struct LandTests {
    @Test func thePlanLeavesOutTheRunThatConflictsAndLandReadyLandsTheOtherFiveInOrder() throws {
        try ReviewFixture.with(cards: 6) { fixture, sandbox in
            for card in 1...4 { try fixture.create(card: card, "src/file\(card).txt", "from card \(card)") }
            try fixture.edit(card: 5, line: 5, in: "app.txt", to: "card five")
            try fixture.edit(card: 6, line: 5, in: "app.txt", to: "card six")
            let runs = try fixture.dispatchAll()
            let before = try sandbox.gitOK("rev-parse", "main")

            let planned = try sandbox.kanbots("land", "--plan", "--json")
            expectSuccess(planned)
            let plan = try #require(try JSONSerialization.jsonObject(with: Data(planned.stdout.utf8)) as? [String: Any])
            let order = ((plan["order"] as? [[String: Any]]) ?? []).compactMap { $0["run"] as? String }
            #expect(order == Array(runs.prefix(5)), "\(plan)")
            let held = try #require((plan["held"] as? [[String: Any]])?.first)
            #expect(held["run"] as? String == runs[5] && held["action"] as? String == "wait")
            #expect(held["blocked_by"] as? [String] == [runs[4]], "\(held)")
            #expect((held["reason"] as? String)?.contains("app.txt") == true)
            let text = try sandbox.kanbots("land", "--plan").stdout
            #expect(text.contains("5. run \(runs[4])") && text.contains("run \(runs[5]) (card #6): wait"), "\(text)")
            #expect(try sandbox.gitOK("rev-parse", "main") == before, "--plan moved main")

            let landed = try sandbox.kanbots("land", "--ready")
            expectSuccess(landed)
            for run in runs.prefix(5) { #expect(landed.stdout.contains("landed run \(run)"), "\(landed)") }
            #expect(landed.stdout.contains("left in review: run \(runs[5])"), "\(landed)")
            // The base has exactly the five runs' changes, and the main checkout shows them.
            let changed = try sandbox.gitOK("diff", "--name-only", before, "main").split(separator: "\n").map(String.init)
            #expect(Set(changed) == ["app.txt", "src/file1.txt", "src/file2.txt", "src/file3.txt", "src/file4.txt"])
            #expect(try sandbox.gitOK("show", "main:app.txt").contains("card five"))
            #expect(sandbox.read("src/file4.txt") == "from card 4\n" && sandbox.read("app.txt")?.contains("card five") == true)
            #expect(try sandbox.gitOK("status", "--porcelain", "--untracked-files=no").isEmpty)
            // In landing order: the first parent chain visits the runs' merges newest first.
            let subjects = try sandbox.gitOK("log", "--first-parent", "--format=%s", "\(before)..main")
            #expect(subjects.contains("Merge run \(runs[4]) (card #5: Card 5)"), "\(subjects)")
            for run in runs.prefix(5) {
                let record = try sandbox.record(run)
                #expect(record["State"] == "merged" && record["Merged-Into"] == "main", "\(record)")
            }
            let board = try sandbox.board()
            #expect(board.columns["done"] == [1, 2, 3, 4, 5])
            #expect(board.columns["in_review"] == [6])
            #expect(try fixture.review()[runs[5]]?["verdict"] as? String == "conflicts-with-base")
        }
    }

    @Test func aRunWaitsForExactlyTheRunItConflictsWithNotEveryRunOfTheFile() throws {
        try ReviewFixture.with(cards: 3) { fixture, sandbox in
            try fixture.edit(card: 1, line: 10, in: "app.txt", to: "card one")
            try fixture.edit(card: 2, line: 10, in: "app.txt", to: "card two")
            try fixture.edit(card: 3, line: 36, in: "app.txt", to: "card three")
            let runs = try fixture.dispatchAll()
            let planned = try sandbox.kanbots("land", "--plan", "--json")
            let plan = try #require(try JSONSerialization.jsonObject(with: Data(planned.stdout.utf8)) as? [String: Any])
            let order = ((plan["order"] as? [[String: Any]]) ?? []).compactMap { $0["run"] as? String }
            #expect(order == [runs[2], runs[0]], "\(plan)")
            let held = try #require((plan["held"] as? [[String: Any]])?.first)
            #expect(held["run"] as? String == runs[1] && held["action"] as? String == "wait", "\(held)")
            // Run 3 changed app.txt too, but 30 lines away: git merges that, so run 2 does not wait for it.
            #expect(held["blocked_by"] as? [String] == [runs[0]], "\(held)")
            let reason = held["reason"] as? String ?? ""
            #expect(reason.contains(runs[0]) && !reason.contains(runs[2]), "\(reason)")
        }
    }

    @Test func aFailingCheckOnTheThirdRunLeavesTheBaseAtTheSecond() throws {
        try ReviewFixture.with(cards: 3) { fixture, sandbox in
            try fixture.create(card: 1, "one.txt", "one")
            try fixture.create(card: 2, "two.txt", "two")
            try fixture.create(card: 3, "bad.txt", "breaks the build")
            let runs = try fixture.dispatchAll()
            try sandbox.gitOK("config", "kanbots.check", "test ! -f bad.txt")
            let result = try sandbox.kanbots("land", "--ready", "--check")
            expectCleanError(result, mentioning: "stopped at run \(runs[2])", "checks failed")
            #expect(result.stdout.contains("landed run \(runs[1])"), "\(result)")
            let main = try sandbox.gitOK("ls-tree", "--name-only", "main").split(separator: "\n").map(String.init)
            #expect(Set(main) == ["README.md", "app.txt", "one.txt", "two.txt"], "\(main)")
            #expect(try sandbox.record(runs[1])["State"] == "merged")
            #expect(try sandbox.record(runs[2])["State"] == "completed")
            #expect(!sandbox.exists("bad.txt"))
            // The temporary worktree of the check is gone.
            let worktrees = try sandbox.worktrees()
            #expect(worktrees.count == 4, "\(worktrees)")
        }
    }

    @Test func twoLandsRacingOneWinsTheOtherGetsAClearErrorAndNothingBreaks() throws {
        try ReviewFixture.with(cards: 2) { fixture, sandbox in
            try fixture.create(card: 1, "one.txt", "one")
            try fixture.create(card: 2, "two.txt", "two")
            let runs = try fixture.dispatchAll()
            // A slow check keeps the first land busy while the second starts.
            let started = sandbox.root + "/check-started"
            try sandbox.gitOK("config", "kanbots.check", "touch \(shellQuoted(started)); sleep 2")
            let first = try sandbox.startKanbots(["land", "--ready", "--check"])
            let busy = ProcessProbe.waitUntil(timeout: 60) { FileManager.default.fileExists(atPath: started) }
            #expect(busy, "the first land never started its check")
            let second = try sandbox.kanbots("land", "--ready")
            expectCleanError(second, mentioning: "another `git kanbots land`")
            expectSuccess(try first.wait(timeout: 120))
            for run in runs { #expect(try sandbox.record(run)["State"] == "merged") }
            #expect(Set(try sandbox.gitOK("ls-tree", "--name-only", "main").split(separator: "\n").map(String.init))
                    == ["README.md", "app.txt", "one.txt", "two.txt"])
            #expect(try sandbox.gitOK("status", "--porcelain", "--untracked-files=no").isEmpty)
        }
    }

    @Test func promotingSeveralRunsOpensPullRequestsInLandingOrder() throws {
        try ReviewFixture.with(cards: 3) { fixture, sandbox in
            _ = try sandbox.addBareRemote()
            expectSuccess(try sandbox.git("push", "origin", "main"))
            let github = try FakeGitHub(in: sandbox)
            defer { github.stop() }
            try github.configure(sandbox)
            try fixture.edit(card: 1, line: 5, in: "app.txt", to: "card one")
            try fixture.edit(card: 2, line: 5, in: "app.txt", to: "card two")
            try fixture.create(card: 3, "docs/three.md", "three")
            let runs = try fixture.dispatchAll()
            let promoted = try sandbox.kanbots("promote", runs[0], runs[1], runs[2])
            expectSuccess(promoted)
            // The docs-only run conflicts with nothing: first. Runs 1 and 2 conflict: 2 waits for 1.
            let heads = try github.pulls().sorted { ($0["number"] as? Int ?? 0) < ($1["number"] as? Int ?? 0) }
                .compactMap { ($0["head"] as? [String: Any])?["ref"] as? String }
            let branches = try runs.map { run in try #require(try sandbox.runs().first { $0.id == run }).branch }
            #expect(heads == [branches[2], branches[0], branches[1]], "\(promoted)")
            #expect(promoted.stdout.contains("1. pull request #1 for run \(runs[2])"), "\(promoted)")
            #expect(promoted.stdout.contains("3. pull request #3 for run \(runs[1])") && promoted.stdout.contains("after the others"),
                    "\(promoted)")
            #expect(promoted.stdout.contains("merge #1 first"), "\(promoted)")
            for run in runs { #expect(try sandbox.record(run)["State"] == "promoted") }
        }
    }
}
