import Foundation
import Testing

@Suite("discard and gc") struct DiscardAndGCTests {
    @Test func discardRemovesWorktreeAndBranchAndKeepsTheHistory() throws {
        try Sandbox.with(cards: ["Add CSV export"]) { sandbox in
            let run = try sandbox.dispatch(1)
            try sandbox.waitUntilIdle()
            let tip = try sandbox.gitOK("rev-parse", run.branch)

            let discard = try sandbox.kanbots("discard", run.id)
            expectSuccess(discard)
            #expect(discard.stdout.contains(tip), "discard does not print the branch tip: \(discard)")
            #expect(!FileManager.default.fileExists(atPath: run.worktree), "worktree folder left")
            #expect(!(try sandbox.git("rev-parse", "--verify", "-q", "refs/heads/\(run.branch)")).succeeded, "branch left")
            #expect(try !sandbox.worktrees().contains { $0.path == run.worktree }, "worktree still registered")
            #expect(try sandbox.lifecycle(run.id) == ["queued", "running", "completed", "discarded"])
            let view = try sandbox.board().run(run.id)
            #expect(view.state == "discarded" && !view.branchExists && view.column != "in_review", "\(view)")
            // The work can be brought back from the printed commit.
            #expect(try sandbox.git("cat-file", "-e", tip).succeeded)

            let again = try sandbox.kanbots("discard", run.id)
            expectSuccess(again)
            #expect(again.stdout.contains("already discarded"))
            #expect(try sandbox.lifecycle(run.id).count == 4, "a second discard wrote another transition")
        }
    }

    @Test func discardRefusesAnActiveRun() throws {
        try Sandbox.with(cards: ["Slow card"]) { sandbox in
            let run = try sandbox.dispatch(1, environment: ["KANBOTS_DEMO_STEP_SECONDS": "5"])
            _ = try sandbox.waitUntilRunning(run.id)
            try expectStateUnchanged(sandbox) {
                expectCleanError(try sandbox.kanbots("discard", run.id), mentioning: "git kanbots stop \(run.id)")
            }
            #expect(FileManager.default.fileExists(atPath: run.worktree))
            #expect(try sandbox.record(run.id)["State"] == "running")
        }
    }

    @Test func gcRemovesFinishedWorktreesKeepsBranchesAndReportsBytes() throws {
        try Sandbox.with(cards: ["Add CSV export"]) { sandbox in
            let finished = try sandbox.dispatch(1)
            try sandbox.waitUntilIdle()
            let tip = try sandbox.gitOK("rev-parse", finished.branch)
            let active = try sandbox.dispatch(1, environment: ["KANBOTS_DEMO_STEP_SECONDS": "5"])
            _ = try sandbox.waitUntilRunning(active.id)

            let dryRun = try expectStateUnchanged(sandbox) { try sandbox.kanbots("gc", "--dry-run") }
            expectSuccess(dryRun)
            #expect(dryRun.stdout.contains("would remove") && FileManager.default.fileExists(atPath: finished.worktree))

            let gc = try sandbox.kanbots("gc")
            expectSuccess(gc)
            #expect(!FileManager.default.fileExists(atPath: finished.worktree), "finished run's worktree kept")
            #expect(try sandbox.gitOK("rev-parse", finished.branch) == tip, "gc touched the branch")
            #expect(try !sandbox.worktrees().contains { $0.path == finished.worktree }, "registration kept")
            #expect(FileManager.default.fileExists(atPath: active.worktree + "/README.md"), "gc touched an active run")
            #expect(try sandbox.record(active.id)["State"] == "running")
            let freed = try #require(gc.stdoutLines.last { $0.hasPrefix("freed ") }, "\(gc)")
            let amount = freed.dropFirst("freed ".count).split(separator: " ").first.flatMap { Double($0) } ?? 0
            #expect(amount > 0, "gc reports no freed bytes: \(freed)")
            // The run stays reviewable.
            let view = try sandbox.board().run(finished.id)
            #expect(view.column == "in_review" && view.ahead == 1, "\(view)")

            let again = try sandbox.kanbots("gc")
            expectSuccess(again)
            #expect(again.stdout.contains("freed 0 B"), "\(again)")
        }
    }

    @Test func gcPrunesStaleWorktreeRecords() throws {
        try Sandbox.with(cards: ["Add CSV export"]) { sandbox in
            let run = try sandbox.dispatch(1)
            try sandbox.waitUntilIdle()
            let side = sandbox.root + "/side"
            try sandbox.gitOK("worktree", "add", "-q", "-b", "side", side)
            // Folders deleted by hand: git still lists both.
            try FileManager.default.removeItem(atPath: run.worktree)
            try FileManager.default.removeItem(atPath: side)
            #expect(try sandbox.worktrees().count == 3)

            let gc = try sandbox.kanbots("gc")
            expectSuccess(gc)
            #expect(gc.stdout.contains("issue-1-\(run.id)") && gc.stdout.contains("side"), "\(gc)")
            let left = try sandbox.worktrees().map { $0.path }
            #expect(left == [sandbox.repo], "stale records left: \(left)")
            #expect(try sandbox.gitOK("worktree", "list", "--porcelain").contains("prunable") == false)
            #expect(try sandbox.git("rev-parse", "--verify", "-q", run.branch).succeeded, "gc deleted the run's branch")
        }
    }

    /// What a `git worktree add` killed half-way leaves (both seen after the
    /// crash-safety test): an empty admin folder, or one with `gitdir` and
    /// `commondir` but no `HEAD` yet; no checkout. `git worktree prune` removes both.
    @Test func gcPrunesHalfWrittenWorktreeRecords() throws {
        try Sandbox.with { sandbox in
            let half = ".git/worktrees/issue-9-9-half"
            try sandbox.write(half + "/gitdir", sandbox.repo + "/.kanbots/worktrees/issue-9-9-half/.git\n")
            try sandbox.write(half + "/commondir", "../..\n")
            try sandbox.write(half + "/HEAD.lock", "")
            let empty = ".git/worktrees/issue-9-8-empty"
            try FileManager.default.createDirectory(atPath: sandbox.path(empty), withIntermediateDirectories: true)
            #expect(try sandbox.gitOK("worktree", "list", "--porcelain").contains("prunable"))

            let gc = try sandbox.kanbots("gc")
            expectSuccess(gc)
            #expect(!sandbox.exists(half), "gc left the half-written worktree record: \(gc)")
            #expect(!sandbox.exists(empty), "gc left the empty worktree record: \(gc)")
            #expect(try !sandbox.gitOK("worktree", "list", "--porcelain").contains("prunable"))
        }
    }
}
