import Foundation
import Testing

/// `promote`: real pushes to a local bare remote through the pre-push hook,
/// pull requests on the fake GitHub, and local merges.
@Suite("promote") struct PromoteTests {
    private func remoteTip(_ sandbox: Sandbox, _ branch: String) throws -> String? {
        try sandbox.gitOK("ls-remote", "origin", "refs/heads/" + branch).split(separator: "\t").first.map(String.init)
    }

    /// A finished demo run on card 1 ("Add CSV export").
    private func finishedRun(_ sandbox: Sandbox) throws -> DispatchedRun {
        let run = try sandbox.dispatch(1)
        try sandbox.waitUntilIdle()
        return run
    }

    @Test func promotePushesThroughTheHookAndPromotingTwiceUpdatesOnePullRequest() throws {
        try Sandbox.with(cards: ["Add CSV export"]) { sandbox in
            let remote = try sandbox.addBareRemote()
            expectSuccess(try sandbox.git("push", "origin", "main"))
            let github = try FakeGitHub(in: sandbox)
            defer { github.stop() }
            try github.configure(sandbox)
            try github.requireHeadsIn(remote)
            let run = try finishedRun(sandbox)

            let plain = try sandbox.git("push", "origin", run.branch)
            #expect(!plain.succeeded && plain.stderr.contains("refusing to push"), "\(plain)")
            #expect(try remoteTip(sandbox, run.branch) == nil)

            let promoted = try sandbox.kanbots("promote", run.id)
            expectSuccess(promoted)
            #expect(promoted.stdout.contains("opened draft pull request #1"), "\(promoted)")
            #expect(try remoteTip(sandbox, run.branch) == (try sandbox.gitOK("rev-parse", run.branch)))
            var pulls = try github.pulls()
            #expect(pulls.count == 1)
            let pull = try #require(pulls.first)
            #expect(pull["draft"] as? Bool == true)
            #expect((pull["head"] as? [String: Any])?["ref"] as? String == run.branch)
            #expect((pull["base"] as? [String: Any])?["ref"] as? String == "main")
            #expect(pull["title"] as? String == "Add CSV export")
            let body = pull["body"] as? String ?? ""
            for fragment in ["run `\(run.id)`", "card #1", "| agent | demo", "| model |", "| cost | $", "| turns | ",
                             "| files changed | 1 |", "kanbots-demo/card-1.md", "git kanbots card show 1"] {
                #expect(body.contains(fragment), "pull request body lacks '\(fragment)':\n\(body)")
            }
            var record = try sandbox.record(run.id)
            #expect(record["State"] == "promoted")
            #expect(record["PR-Number"] == "1")
            #expect(record["PR-URL"] == "\(github.baseURL)/acme/tool/pull/1")
            #expect(try sandbox.board().run(run.id).column == "in_review")
            #expect(try sandbox.kanbots("show", run.id).stdout.contains("pull req   #1 \(github.baseURL)/acme/tool/pull/1"))
            #expect(sandbox.listing(sandbox.repo + "/.git/kanbots/promotions").isEmpty, "the one-time grant was left behind")

            // More work on the branch; a plain push is still refused, promote updates the same pull request.
            try sandbox.write(run.worktree + "/more.txt", "more\n")
            try sandbox.gitOK("add", "more.txt", in: run.worktree)
            try sandbox.gitOK("commit", "-q", "-m", "More work", in: run.worktree)
            let plainAgain = try sandbox.git("push", "origin", run.branch)
            #expect(!plainAgain.succeeded && plainAgain.stderr.contains("refusing to push"), "\(plainAgain)")
            let again = try sandbox.kanbots("promote", run.id, "--title", "CSV export, take two")
            expectSuccess(again)
            #expect(again.stdout.contains("updated draft pull request #1"), "\(again)")
            pulls = try github.pulls()
            #expect(pulls.count == 1, "promoting twice opened a second pull request")
            #expect(pulls.first?["title"] as? String == "CSV export, take two")
            #expect((pulls.first?["body"] as? String)?.contains("| files changed | 2 |") == true)
            #expect(try remoteTip(sandbox, run.branch) == (try sandbox.gitOK("rev-parse", run.branch)))
            record = try sandbox.record(run.id)
            #expect(record["PR-Number"] == "1")
            #expect(try sandbox.lifecycle(run.id).filter { $0 == "promoted" }.count == 1)
        }
    }

    @Test func aPullRequestMergedOnGitHubMovesTheCardToDoneOnRefresh() throws {
        try Sandbox.with(cards: ["Add CSV export"]) { sandbox in
            _ = try sandbox.addBareRemote()
            let github = try FakeGitHub(in: sandbox)
            defer { github.stop() }
            try github.configure(sandbox)
            let run = try finishedRun(sandbox)
            expectSuccess(try sandbox.kanbots("promote", run.id, "--ready"))
            #expect(try github.pulls().first?["draft"] as? Bool == false)
            expectSuccess(try sandbox.kanbots("board", "--refresh"))
            #expect(try sandbox.board().run(run.id).column == "in_review", "an open pull request is In review")

            try github.mergePullRequest(1)
            #expect(try sandbox.board().run(run.id).column == "in_review", "without --refresh the board stays offline")
            let refreshed = try sandbox.kanbots("board", "--refresh")
            expectSuccess(refreshed)
            #expect(refreshed.stdout.contains("pull request #1 was merged"), "\(refreshed)")
            let board = try sandbox.board()
            #expect(try board.run(run.id).recordedState == "merged")
            #expect(board.columns["done"] == [1])
            #expect(try sandbox.record(run.id)["Merged-Into"] == "main")
            // Promoting a merged run is refused.
            try expectStateUnchanged(sandbox) {
                expectCleanError(try sandbox.kanbots("promote", run.id), mentioning: "merged already")
            }
        }
    }

    @Test func syncLearnsOfAMergedPullRequestAndSharesIt() throws {
        try Sandbox.with(cards: ["Add CSV export"]) { sandbox in
            let remote = try sandbox.addBareRemote()
            let github = try FakeGitHub(in: sandbox)
            defer { github.stop() }
            try github.configure(sandbox)
            let run = try finishedRun(sandbox)
            expectSuccess(try sandbox.kanbots("promote", run.id))
            try github.mergePullRequest(1)

            let synced = try sandbox.kanbots("sync")
            expectSuccess(synced)
            #expect(synced.stdout.contains("pull request #1 was merged"), "\(synced)")
            #expect(try sandbox.board().run(run.id).recordedState == "merged")
            // The remote has the merged record too: the clone that syncs next sees Done.
            let shared = try sandbox.gitOK("--git-dir", remote, "log", "-1", "--format=%B", "refs/kanbots/runs/\(run.id)")
            #expect(shared.contains("State: merged"), "remote record: \(shared)")
        }
    }

    @Test func mergeFastForwardsTheBaseInTheMainCheckout() throws {
        try Sandbox.with(cards: ["Add CSV export"]) { sandbox in
            let run = try finishedRun(sandbox)
            let tip = try sandbox.gitOK("rev-parse", run.branch)
            let merged = try sandbox.kanbots("promote", run.id, "--merge")
            expectSuccess(merged)
            #expect(merged.stdout.contains("fast-forward"), "\(merged)")
            #expect(try sandbox.gitOK("rev-parse", "main") == tip)
            #expect(sandbox.exists("kanbots-demo/card-1.md"), "the main checkout was not updated")
            let record = try sandbox.record(run.id)
            #expect(record["State"] == "merged" && record["Merged-Into"] == "main" && record["Merge-Commit"] == tip)
            let board = try sandbox.board()
            #expect(board.columns["done"] == [1])
        }
    }

    @Test func mergeMakesAMergeCommitWhenTheBaseMovedOn() throws {
        try Sandbox.with(cards: ["Add CSV export"]) { sandbox in
            let run = try finishedRun(sandbox)
            try sandbox.write("NOTES.md", "meanwhile\n")
            try sandbox.gitOK("add", "NOTES.md")
            try sandbox.gitOK("commit", "-q", "-m", "Meanwhile on main")
            let before = try sandbox.gitOK("rev-parse", "main")
            let merged = try sandbox.kanbots("promote", run.id, "--merge", "--into", "main")
            expectSuccess(merged)
            #expect(merged.stdout.contains("merge commit"), "\(merged)")
            let parents = try sandbox.gitOK("log", "-1", "--format=%P", "main").split(separator: " ").map(String.init)
            #expect(parents == [before, try sandbox.gitOK("rev-parse", run.branch)])
            #expect(try sandbox.record(run.id)["Merge-Commit"] == (try sandbox.gitOK("rev-parse", "main")))
            #expect(try sandbox.board().columns["done"] == [1])
        }
    }

    @Test func refusalsAreOneLineAndChangeNothing() throws {
        try Sandbox.with(cards: ["Add CSV export"]) { sandbox in
            _ = try sandbox.addBareRemote()
            let run = try finishedRun(sandbox)
            try sandbox.write("README.md", "# Edited, not committed\n")
            try expectStateUnchanged(sandbox) {
                expectCleanError(try sandbox.kanbots("promote", run.id, "--merge"), mentioning: "uncommitted changes")
                // The remote is a local folder and no kanbots.github.repo is set: nothing is pushed.
                expectCleanError(try sandbox.kanbots("promote", run.id), mentioning: "kanbots.github.repo", "--merge")
                expectCleanError(try sandbox.kanbots("promote", "99"), mentioning: "unknown run")
                expectCleanError(try sandbox.kanbots("promote", run.id, "--merge", "--into", "nope"), mentioning: "nope")
            }
            #expect(try remoteTip(sandbox, run.branch) == nil)
            #expect(try sandbox.record(run.id)["State"] == "completed")
            #expect(sandbox.read("README.md") == "# Edited, not committed\n")
        }
    }
}
