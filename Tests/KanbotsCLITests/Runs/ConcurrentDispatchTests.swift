import Foundation
import Testing

extension HeavySuites {
    @Suite("50 concurrent dispatches") struct ConcurrentDispatchTests {
        static let count = 50
        /// The machine's port claims (`PortAllocator`), shared with every other suite.
        static let portsFolder = "/tmp/kanbots-ports-\(getuid())"

        /// Against a pool of two prepared worktrees: two dispatches claim one
        /// each (refills race them too), the rest check out; none shares.
        @Test func fiftyDispatchesStartedAtOnceAllGetTheirOwnRun() throws {
            try Sandbox.with(cards: ["Add CSV export"]) { sandbox in
                try sandbox.enablePool(2)
                let prepared = try sandbox.poolEntries()
                #expect(prepared.count == 2)
                // Spawn all, then wait: they race for ids, refs, worktrees and config.
                let gate = sandbox.root + "/gate"
                try sandbox.installFakeAgent("claude", script: ReviewAgent.script(gate: gate))
                let processes = try (0..<Self.count).map { _ in try sandbox.startKanbots(["dispatch", "1", "--agent", "claude"]) }
                let results = try processes.map { try $0.wait(timeout: 180) }
                let failed = results.filter { !$0.succeeded }
                #expect(failed.isEmpty, "\(failed.count) dispatches failed; first: \(failed.first.map(String.init(describing:)) ?? "")")
                let runs = try results.filter(\.succeeded).map(DispatchedRun.init(parsing:))
                let ids = Set(runs.map(\.id))
                #expect(ids.count == Self.count, "\(ids.count) distinct ids among \(runs.count) dispatches")
                for run in runs {
                    #expect(run.branch == "kanbots/issue-1-\(run.id)")
                    #expect(run.worktree == sandbox.repo + "/.kanbots/worktrees/issue-1-\(run.id)")
                }

                // 50 branches, 50 worktrees each on its own branch, 50 records.
                let branches = try sandbox.gitOK("for-each-ref", "--format=%(refname)", "refs/heads/kanbots/")
                    .split(separator: "\n").map(String.init)
                #expect(branches.count == Self.count)
                #expect(Set(branches) == Set(runs.map { "refs/heads/" + $0.branch }))
                let worktrees = try sandbox.worktrees().filter {
                    $0.path != sandbox.repo && !$0.path.hasPrefix(sandbox.repo + "/.kanbots/pool/")
                }
                #expect(worktrees.count == Self.count)
                #expect(Set(prepared).isDisjoint(with: try sandbox.poolEntries()), "a claimed pool entry is still in the pool")
                #expect(try !sandbox.gitOK("worktree", "list", "--porcelain").contains("prunable"))
                #expect(Set(worktrees.map { "\($0.path) \($0.branch ?? "-")" })
                    == Set(runs.map { "\($0.worktree) refs/heads/\($0.branch)" }), "a worktree is not on its run's branch")
                let refs = try sandbox.runRefs()
                #expect(refs.count == Self.count)
                #expect(Set(refs) == ids)
                for id in ids {
                    let record = try sandbox.record(id)
                    #expect(record["Run"] == id && record["Card"] == "1" && record["Branch"] == "kanbots/issue-1-\(id)",
                            "record of \(id): \(record.fields)")
                }

                // While all 50 run (their agents wait at a gate), each has its own ports.
                let blocks = try ids.map { id -> ClosedRange<Int> in
                    let bounds = try #require(try sandbox.record(id)["Ports"]).split(separator: "-").compactMap { Int($0) }
                    return bounds[0]...bounds[1]
                }
                for (index, block) in blocks.enumerated() {
                    #expect(!blocks[(index + 1)...].contains { $0.overlaps(block) }, "port block \(block) handed out twice")
                }
                try sandbox.write(gate, "")

                // All 50 finish, and no transition was lost on the way.
                let finished = try sandbox.waitUntilIdle(timeout: 120)
                #expect(finished.count == Self.count)
                let notCompleted = finished.filter { $0.state != "completed" || $0.column != "in_review" }
                #expect(notCompleted.isEmpty, "\(notCompleted.map { "\($0.id) \($0.state) \($0.reason ?? "")" })")
                #expect(finished.allSatisfy { $0.ahead == 1 }, "a run's branch lacks its commit")
                for id in ids {
                    #expect(try sandbox.lifecycle(id) == ["queued", "running", "completed"], "lifecycle of \(id)")
                }
                // Fifty writers of the notes ref lost nothing: one note per run commit.
                let notes = try sandbox.gitOK("notes", "--ref=kanbots", "list").split(separator: "\n")
                #expect(notes.count == Self.count)
                let board = try sandbox.board()
                #expect(board.unreadable.isEmpty)
                #expect(board.cards.first?.runs == Self.count)

                // And gave them back (docs/environment.md, "Ports").
                let claims = (try? FileManager.default.contentsOfDirectory(atPath: Self.portsFolder)) ?? []
                let held = claims.compactMap { sandbox.read(Self.portsFolder + "/" + $0) }.filter { $0.contains(sandbox.repo) }
                #expect(held.isEmpty, "ports still claimed after the runs ended: \(held)")
            }
        }
    }
}
