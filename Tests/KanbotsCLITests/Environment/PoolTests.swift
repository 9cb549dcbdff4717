import Foundation
import Testing

/// The worktree pool (`kanbots.pool`): prepared worktrees a dispatch moves
/// into place, refilled in the background, recoverable at every step.
@Suite("worktree pool") struct PoolTests {
    struct PoolInfo: Decodable {
        struct Entry: Decodable { var name: String; var path: String; var state: String; var commit: String? }
        var size: Int
        var base: String
        var baseCommit: String?
        var entries: [Entry]

        enum CodingKeys: String, CodingKey {
            case size, base, entries
            case baseCommit = "base_commit"
        }
    }

    func pool(_ sandbox: Sandbox) throws -> PoolInfo {
        try JSON.decode(PoolInfo.self, from: try sandbox.kanbots("pool", "--json"))
    }

    /// Polls until the pool shows `count` ready entries.
    func waitForReady(_ sandbox: Sandbox, _ count: Int, timeout: TimeInterval = 60) throws -> PoolInfo {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let info = try pool(sandbox)
            if info.entries.filter({ $0.state == "ready" }).count == count { return info }
            if Date() > deadline { throw TestFailure("pool never had \(count) ready entries: \(info.entries)") }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    /// No registration git would prune, every listed worktree is there.
    func expectCleanWorktrees(_ sandbox: Sandbox, _ situation: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let listing = try sandbox.gitOK("worktree", "list", "--porcelain")
        #expect(!listing.contains("prunable"), "\(situation): \(listing)", sourceLocation: sourceLocation)
        let pruned = try sandbox.git("worktree", "prune", "--dry-run", "--verbose")
        #expect(pruned.output.isEmpty && pruned.stderr.isEmpty, "\(situation): \(pruned)", sourceLocation: sourceLocation)
        for worktree in try sandbox.worktrees() {
            #expect(FileManager.default.fileExists(atPath: worktree.path + "/README.md"),
                    "\(situation): \(worktree.path) has no files", sourceLocation: sourceLocation)
        }
    }

    @Test func aDispatchTakesAPreparedWorktreeAndTheRefillReplacesIt() throws {
        try Sandbox.with(cards: ["Add CSV export"]) { sandbox in
            try sandbox.enablePool(2)
            let before = try waitForReady(sandbox, 2)
            let head = try sandbox.gitOK("rev-parse", "main")
            #expect(before.entries.allSatisfy { $0.commit == head && $0.path.hasPrefix(".kanbots/pool/pool-") })
            try expectCleanWorktrees(sandbox, "a full pool")

            let run = try sandbox.dispatch(1)
            #expect(run.worktree == sandbox.repo + "/.kanbots/worktrees/issue-1-\(run.id)")
            let left = try pool(sandbox).entries.map(\.name)
            #expect(Set(left).intersection(before.entries.map(\.name)).count == 1, "the dispatch did not take one entry: \(left)")
            let registered = try #require(try sandbox.worktrees().first { $0.path == run.worktree })
            #expect(registered.branch == "refs/heads/" + run.branch)
            #expect(sandbox.exists(".git/worktrees/issue-1-\(run.id)/gitdir"), "registration not renamed to the run's name")

            // The agent works in it, commits on its branch; the pool is refilled meanwhile.
            let finished = try sandbox.finishedRun(run.id)
            #expect(finished.state == "completed" && finished.ahead == 1, "\(finished)")
            _ = try waitForReady(sandbox, 2)
            try expectCleanWorktrees(sandbox, "after the refill")
            try sandbox.kanbotsOK("discard", run.id)
            try sandbox.kanbotsOK("gc")
            try expectCleanWorktrees(sandbox, "after discard and gc")
            #expect(try pool(sandbox).entries.filter { $0.state == "ready" }.count == 2, "gc touched the pool")
        }
    }

    @Test func staleEntriesAreSkippedThenRefreshedToTheNewBase() throws {
        try Sandbox.with(cards: ["One"]) { sandbox in
            try sandbox.enablePool(2)
            _ = try waitForReady(sandbox, 2)
            try sandbox.write("NEWS.md", "news\n")
            try sandbox.gitOK("add", "NEWS.md")
            try sandbox.gitOK("commit", "-q", "-m", "main moves on")
            let tip = try sandbox.gitOK("rev-parse", "main")
            #expect(try pool(sandbox).entries.allSatisfy { $0.state == "stale" })

            // A stale entry is never used: this run checks out the new tip.
            let run = try sandbox.dispatch(1)
            #expect(FileManager.default.fileExists(atPath: run.worktree + "/NEWS.md"))
            #expect(try sandbox.gitOK("-C", run.worktree, "rev-parse", "HEAD") == tip)
            let refreshed = try waitForReady(sandbox, 2)
            #expect(refreshed.entries.allSatisfy { $0.commit == tip })
            for entry in refreshed.entries {
                #expect(sandbox.exists(entry.path + "/NEWS.md"), "\(entry.name) not checked out at the new tip")
                #expect(try sandbox.gitOK("-C", sandbox.path(entry.path), "status", "--porcelain").isEmpty)
            }
            _ = try sandbox.finishedRun(run.id)
            try expectCleanWorktrees(sandbox, "after a refresh")

            try sandbox.gitOK("config", "kanbots.pool", "0")
            try sandbox.kanbotsOK("pool", "refill")
            #expect(try pool(sandbox).entries.isEmpty, "kanbots.pool 0 keeps entries")
            try expectCleanWorktrees(sandbox, "with the pool off")
        }
    }

    /// A dispatch killed after each step of its claim: `gc` finishes the
    /// claim, records the run failed and removes its worktree; what remains
    /// is whole pool entries, and git has nothing to prune.
    @Test func aDispatchKilledAtAnyStepOfItsClaimLeavesNothingHalfRegistered() throws {
        try Sandbox.with(cards: ["One"]) { sandbox in
            try sandbox.enablePool(1)
            for step in 1...6 {
                _ = try waitForReady(sandbox, 1)
                let killed = try sandbox.kanbots("dispatch", "1", environment: ["KANBOTS_POOL_FAULT": String(step)])
                #expect(killed.signaled && killed.status == SIGKILL, "step \(step): \(killed)")
                try sandbox.kanbotsOK("gc")
                try expectCleanWorktrees(sandbox, "killed after step \(step)")
                let runs = try sandbox.runs()
                #expect(runs.allSatisfy { $0.state == "failed" }, "step \(step): \(runs.map { "\($0.id) \($0.state)" })")
                let folders = sandbox.listing(sandbox.path(".kanbots/worktrees"))
                #expect(folders.isEmpty, "step \(step) left \(folders)")
                let branches = try sandbox.gitOK("for-each-ref", "--format=%(refname)", "refs/heads/kanbots/")
                #expect(branches.isEmpty, "step \(step) left \(branches)")
                #expect(sandbox.listing(sandbox.path(".git/kanbots/pool")).allSatisfy { !$0.hasPrefix("claim-") }, "step \(step) left a journal")
                // Its supervisor, started ahead of the worktree, saw the dispatch die and let the run be.
                for run in runs {
                    let log = sandbox.path(".git/kanbots/runs/\(run.id)/supervisor.log")
                    let deadline = Date().addingTimeInterval(10)
                    var text = ""
                    repeat {
                        text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                        if text.contains("did not complete") { break }
                        Thread.sleep(forTimeInterval: 0.05)
                    } while Date() < deadline
                    #expect(text.contains("did not complete") && !text.contains("supervisor: done"), "step \(step), \(run.id): \(text)")
                }
                try sandbox.kanbotsOK("pool", "refill")
            }
            // And the pool still serves a dispatch that is not killed.
            let run = try sandbox.dispatch(1)
            #expect(try sandbox.finishedRun(run.id).state == "completed")
            try expectCleanWorktrees(sandbox, "after the last dispatch")
        }
    }
}
