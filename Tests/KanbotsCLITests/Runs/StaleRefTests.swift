import Foundation
import Testing

/// A loose ref file is authoritative over `packed-refs`, as in git: once
/// refs are packed (`git pack-refs --all`, as `git gc` does), every later
/// update goes to a loose file, so the packed line can be many transitions
/// old. A loose file that does not parse must not let that stale value show
/// as current: the ref is unreadable for the board, fsck, the commands that
/// change a run, and sync, until `fsck --repair` restores it.
@Suite("stale packed refs") struct StaleRefTests {
    /// A run that finished, its refs packed, then one more transition
    /// written after the pack (so only the loose file has it), then that
    /// loose file damaged. Returns the run, the packed (stale) and the lost
    /// (reflog's last) values.
    struct DamagedRun {
        var id: String
        var branch: String
        var packed: String
        var lost: String
        var ref: String { "refs/kanbots/runs/\(id)" }
    }

    func damagedRun(_ sandbox: Sandbox, card: Int = 1) throws -> DamagedRun {
        let run = try sandbox.dispatch(card)
        #expect(try sandbox.finishedRun(run.id).recordedState == "completed")
        let ref = "refs/kanbots/runs/\(run.id)"
        try sandbox.gitOK("pack-refs", "--all")
        let packed = try sandbox.gitOK("rev-parse", ref)
        let lost = try advance(sandbox, ref, adding: "Test-Step: after the pack")
        try sandbox.write(".git/" + ref, "garbage\n")
        return DamagedRun(id: run.id, branch: run.branch, packed: packed, lost: lost)
    }

    /// Writes one more version of a record on top of `ref` (an unknown key
    /// added, which every reader keeps), through git, so the reflog has it.
    @discardableResult
    func advance(_ sandbox: Sandbox, _ ref: String, adding line: String, in directory: String? = nil) throws -> String {
        let message = try sandbox.gitOK("log", "-1", "--format=%B", ref, in: directory)
        let file = sandbox.root + "/message-\(UUID().uuidString)"
        try Data((message + "\n" + line + "\n").utf8).write(to: URL(fileURLWithPath: file))
        let next = try sandbox.gitOK("commit-tree", "-p", ref, "-F", file, ref + "^{tree}", in: directory)
        try sandbox.gitOK("update-ref", ref, next, in: directory)
        return next
    }

    @Test func aDamagedLooseRunRefIsNotShownFromItsPackedValue() throws {
        try Sandbox.with(cards: ["Add CSV export"]) { sandbox in
            let run = try damagedRun(sandbox)
            // git's own view, which ours must match.
            #expect(try sandbox.git("rev-parse", "--verify", "-q", run.ref).status != 0)

            // Uncached, cold (no snapshot) and warm (listing reused once the
            // damage is old enough for the fingerprint to be trusted).
            let snapshot = ".git/kanbots/cache/runs-v2"
            try? FileManager.default.removeItem(atPath: sandbox.path(snapshot))
            for situation in ["uncached", "cold", "warm after 2 s", "warm again"] {
                if situation.hasPrefix("warm after") { Thread.sleep(forTimeInterval: 2.2) }
                let environment = situation == "uncached" ? ["KANBOTS_NO_CACHE": "1"] : [:]
                let board = try JSON.decode(BoardInfo.self, from: try sandbox.kanbots("board", "--json", environment: environment))
                #expect(board.unreadable.contains {
                    $0.contains(run.ref) && $0.contains("loose ref unreadable, packed value from") && $0.contains("fsck --repair")
                }, "\(situation): \(board.unreadable)")
                let shown = try board.run(run.id)
                #expect(shown.state == "orphaned" && shown.recordedState == nil && shown.branch == run.branch, "\(situation): \(shown)")
                let text = try sandbox.kanbots("board", environment: environment)
                #expect(text.stderr.contains(run.ref) && !text.stdout.contains("completed"), "\(situation): \(text)")
            }
            #expect(sandbox.exists(snapshot), "the warm path was not taken")

            // Nothing changes a run that git cannot read: one line, naming the fix.
            for command in [["stop", run.id], ["land", run.id], ["reply", run.id, "more"], ["discard", run.id],
                            ["discard", String(run.id.split(separator: "-")[0])]] {
                let result = try sandbox.run(try KanbotsBinary.path(), command)
                expectCleanError(result, mentioning: run.ref, "fsck --repair")
            }
            #expect(sandbox.read(".git/" + run.ref) == "garbage\n")
            #expect(try sandbox.git("rev-parse", "--verify", "-q", "refs/heads/" + run.branch).succeeded, "the branch went")

            let fsck = try sandbox.kanbots("fsck")
            #expect(fsck.status != 0)
            #expect(fsck.stdout.contains("unreadable_ref: \(run.ref): loose ref unreadable, packed value from"), "\(fsck)")
            let repaired = try sandbox.kanbots("fsck", "--repair")
            #expect(repaired.succeeded, "\(repaired)")
            // Back at the reflog's last entry: the transition the packed value never had.
            #expect(try sandbox.gitOK("rev-parse", run.ref) == run.lost)
            let kept = sandbox.listing(sandbox.repo + "/.git/kanbots/fsck")
            #expect(kept.count == 1 && sandbox.read(".git/kanbots/fsck/" + kept[0]) == "garbage\n", "\(kept)")
            #expect(try sandbox.board().run(run.id).state == "completed")
            expectSuccess(try sandbox.kanbots("fsck"))
        }
    }

    @Test func withoutAReflogTheRepairFallsBackToThePackedValueAndSaysSo() throws {
        try Sandbox.with(cards: ["Add CSV export"]) { sandbox in
            let run = try damagedRun(sandbox)
            try FileManager.default.removeItem(atPath: sandbox.path(".git/logs/" + run.ref))
            let fsck = try sandbox.kanbots("fsck")
            #expect(fsck.status != 0 && fsck.stdout.contains("falls back to its packed value from"), "\(fsck)")
            let repaired = try sandbox.kanbots("fsck", "--repair")
            #expect(repaired.succeeded && repaired.stdout.contains("fell back to its packed value"), "\(repaired)")
            #expect(try sandbox.gitOK("rev-parse", run.ref) == run.packed)
            #expect(sandbox.listing(sandbox.repo + "/.git/kanbots/fsck").count == 1, "the damaged file was not kept")
            #expect(try sandbox.board().run(run.id).state == "completed")
        }
    }

    @Test func aDamagedLooseCardRefIsNotShownFromItsPackedValue() throws {
        try Sandbox.with(cards: ["Old title"]) { sandbox in
            let ref = "refs/kanbots/cards/1"
            try sandbox.gitOK("pack-refs", "--all")
            try sandbox.kanbotsOK("card", "edit", "1", "--title", "New title")
            let lost = try sandbox.gitOK("rev-parse", ref)
            try sandbox.write(".git/" + ref, "garbage\n")

            for environment in [["KANBOTS_NO_CACHE": "1"], [:]] {
                let board = try sandbox.kanbots("board", "--json", environment: environment)
                #expect(!board.stdout.contains("Old title") && !board.stdout.contains("New title"), "\(board)")
                let info = try JSON.decode(BoardInfo.self, from: board)
                #expect(info.unreadable.contains { $0.contains(ref) && $0.contains("packed value from") }, "\(info.unreadable)")
            }
            expectCleanError(try sandbox.kanbots("card", "edit", "1", "--title", "Third"), mentioning: ref, "fsck --repair")

            let fsck = try sandbox.kanbots("fsck")
            #expect(fsck.status != 0 && fsck.stdout.contains("unreadable_ref: \(ref): loose ref unreadable"), "\(fsck)")
            expectSuccess(try sandbox.kanbots("fsck", "--repair"))
            #expect(try sandbox.gitOK("rev-parse", ref) == lost)
            #expect(try sandbox.kanbots("board", "--json").stdout.contains("New title"))
        }
    }

    @Test func aDamagedLooseNotesRefIsReportedAndRestored() throws {
        try Sandbox.with(cards: ["Add CSV export"]) { sandbox in
            let run = try sandbox.dispatch(1)
            #expect(try sandbox.finishedRun(run.id).recordedState == "completed")
            let notes = "refs/notes/kanbots"
            try sandbox.gitOK("pack-refs", "--all")
            try sandbox.gitOK("notes", "--ref=kanbots", "append", "-m", "kanbots-run: 9-zzzz card=1 agent=demo model=x", "HEAD")
            let lost = try sandbox.gitOK("rev-parse", notes)
            try sandbox.write(".git/" + notes, "garbage\n")

            expectSuccess(try sandbox.kanbots("board"))
            let fsck = try sandbox.kanbots("fsck", "--json")
            #expect(fsck.status != 0, "\(fsck)")
            let findings = try JSON.object(from: fsck) as? [String: Any]
            let kinds = (findings?["findings"] as? [[String: Any]] ?? []).filter { $0["subject"] as? String == notes }
            #expect(kinds.first?["detail"] as? String ?? "" != "" && (kinds.first?["detail"] as? String)?
                .contains("loose ref unreadable, packed value from") == true, "\(fsck)")
            let repaired = try sandbox.kanbots("fsck", "--repair")
            #expect(repaired.succeeded, "\(repaired)")
            #expect(try sandbox.gitOK("rev-parse", notes) == lost)
            #expect(try sandbox.gitOK("notes", "--ref=kanbots", "show", "HEAD").contains("9-zzzz"))
        }
    }

    /// A clone with damaged run refs whose packed values are stale: sync
    /// refuses, in one line naming `fsck --repair`, before it merges or
    /// pushes anything (`git fetch` itself fails beside such a ref), so it
    /// neither pushes a stale value (run B, which the remote lacks) nor
    /// loses the remote's newer one (run A, moved on by another clone);
    /// after the repair the next sync shares both.
    @Test func syncNeitherPushesTheStaleValueNorLosesTheRemotes() throws {
        try Sandbox.with { sandbox in
            let world = try SyncWorld(sandbox, cards: ["One", "Two"], clones: 2)
            let (mine, other) = (world.clones[0], world.clones[1])
            let runA = try world.dispatchAndFinish(1, in: mine)
            try world.sync(mine)
            try world.sync(other)
            let refA = "refs/kanbots/runs/\(runA)"
            let remoteA = try advance(sandbox, refA, adding: "Test-Step: moved on by the other clone", in: other)
            try world.sync(other)
            let runB = try world.dispatchAndFinish(2, in: mine)
            let refB = "refs/kanbots/runs/\(runB)"

            try sandbox.gitOK("pack-refs", "--all", in: mine)
            let lostA = try advance(sandbox, refA, adding: "Test-Step: after the pack", in: mine)
            let lostB = try advance(sandbox, refB, adding: "Test-Step: after the pack", in: mine)
            for ref in [refA, refB] { try sandbox.write(mine + "/.git/" + ref, "garbage\n") }

            let remoteBefore = try world.sharedRefs(world.remote)
            let result = try world.kanbots(["sync"], in: mine)
            expectCleanError(result, mentioning: "nothing synced", refA, "1 more", "fsck --repair")
            #expect(try world.sharedRefs(world.remote) == remoteBefore, "the remote changed")
            #expect(!remoteBefore.contains(refB) && remoteBefore.contains("\(remoteA) \(refA)"), "\(remoteBefore)")
            for ref in [refA, refB] { #expect(sandbox.read(mine + "/.git/" + ref) == "garbage\n", "\(ref) was written over") }

            try sandbox.kanbotsOK("fsck", "--repair", in: mine)
            #expect(try sandbox.gitOK("rev-parse", refB, in: mine) == lostB)
            try world.sync(mine)
            let merged = try sandbox.gitOK("rev-parse", refA, in: world.remote)
            #expect(try sandbox.git("merge-base", "--is-ancestor", remoteA, merged, in: world.remote).succeeded)
            #expect(try sandbox.git("merge-base", "--is-ancestor", lostA, merged, in: world.remote).succeeded)
            #expect(try sandbox.gitOK("rev-parse", refB, in: world.remote) == lostB)
        }
    }
}
