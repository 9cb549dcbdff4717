import Foundation
import Testing

/// The run snapshot (`.git/kanbots/cache/runs-v2`) only saves time: after any
/// change to the refs, `board` and `status` print exactly what they print
/// with every cache bypassed (`KANBOTS_NO_CACHE=1`).
@Suite("board snapshot") struct BoardSnapshotTests {
    static let snapshot = ".git/kanbots/cache/runs-v2"

    @Test func boardAndStatusMatchTheUncachedPathAfterRandomChanges() throws {
        try Sandbox.with(cards: ["One", "Two", "Three"]) { sandbox in
            var history = RunHistory(sandbox: sandbox, seed: 12)
            try history.addRuns(60)
            try expectSameOutput(sandbox, "a fresh repository")
            #expect(sandbox.exists(Self.snapshot), "board wrote no run snapshot")

            for round in 0..<4 {
                try history.addRuns(15)
                try history.transitionSome(6)
                try history.deleteSomeBranches(3)
                try history.branchSomeSettledRuns(2)
                if round == 1 { try sandbox.gitOK("pack-refs", "--all") }
                try expectSameOutput(sandbox, "round \(round)")
            }

            // A real run, then history from another clone.
            let run = try sandbox.dispatch(1)
            _ = try sandbox.finishedRun(run.id)
            try expectSameOutput(sandbox, "after a real run")
            let world = try SyncWorld(sandbox, cards: [], clones: 1)
            _ = try world.dispatchAndFinish(2, in: world.clones[0])
            try world.sync(world.clones[0])
            try sandbox.kanbotsOK("sync")
            try expectSameOutput(sandbox, "after a sync from another clone")

            // Old enough for the ref listing itself to be reused: still the same.
            Thread.sleep(forTimeInterval: 2.2)
            try expectSameOutput(sandbox, "with the listing reused")
            try history.transitionSome(3)
            try expectSameOutput(sandbox, "after transitions to a reused listing")

            let written = try #require(sandbox.read(Self.snapshot))
            for damage in ["", "kanbots-run-snapshot v2\n", "garbage\n", String(written.prefix(written.count / 2)),
                           String(written.prefix(written.count - 1)) + "x"] {
                try sandbox.write(Self.snapshot, damage)
                try expectSameOutput(sandbox, "damaged snapshot \(damage.prefix(30).debugDescription)")
            }
            // One byte changed in the index (a card number, a cost, a tip):
            // the checksum catches what the structure cannot.
            _ = try sandbox.kanbotsOK("board", "--json")
            var bytes = [UInt8](try #require(FileManager.default.contents(atPath: sandbox.path(Self.snapshot))))
            bytes[160] ^= 0x01
            try Data(bytes).write(to: URL(fileURLWithPath: sandbox.path(Self.snapshot)))
            try expectSameOutput(sandbox, "a flipped bit in the snapshot's index")
            try FileManager.default.removeItem(atPath: sandbox.path(Self.snapshot))
            try expectSameOutput(sandbox, "deleted snapshot")
        }
    }

    @Test func anUnreadableRunRefIsReportedThroughTheSnapshotToo() throws {
        try Sandbox.with(cards: ["One"]) { sandbox in
            var history = RunHistory(sandbox: sandbox, seed: 3)
            try history.addRuns(5)
            try expectSameOutput(sandbox, "before")
            // A ref pointing at a commit that is not a record.
            let head = try sandbox.gitOK("rev-parse", "HEAD")
            try sandbox.gitOK("update-ref", "refs/kanbots/runs/\(history.ids[0])", head)
            try expectSameOutput(sandbox, "a ref at a non-record")
            let result = try sandbox.kanbots("board", "--json")
            #expect(result.stdout.contains("refs/kanbots/runs/\(history.ids[0])"))
        }
    }

    /// The warm path reuses the last listing while no ref file changed, and
    /// reads the run folder once for both the fingerprint and the check for
    /// unlisted refs: garbage written in place into a loose ref, once it is
    /// old enough to be trusted, is still named, like the uncached path does.
    @Test func garbageWrittenIntoAReusedListingIsNamed() throws {
        try Sandbox.with(cards: ["One", "Two"]) { sandbox in
            var history = RunHistory(sandbox: sandbox, seed: 5)
            try history.addRuns(12)
            Thread.sleep(forTimeInterval: 2.2)
            try expectSameOutput(sandbox, "listing reused")
            let damaged = "refs/kanbots/runs/\(history.ids[3])"
            try sandbox.write(".git/" + damaged, "not a commit id\n")
            try expectSameOutput(sandbox, "garbage just written")
            Thread.sleep(forTimeInterval: 2.2)
            try expectSameOutput(sandbox, "garbage old enough to trust the fingerprint")
            let result = try sandbox.kanbots("board", "--json")
            #expect(result.stdout.contains(damaged), "the damaged ref is not named: \(result.stdout.suffix(400))")
            // A folder among the run refs: the full walk finds what is in it.
            try sandbox.write(".git/refs/kanbots/runs/nested/\(history.ids[4])", "garbage\n")
            Thread.sleep(forTimeInterval: 2.2)
            try expectSameOutput(sandbox, "a folder among the run refs")
            #expect(try sandbox.kanbots("board", "--json").stdout.contains("refs/kanbots/runs/nested/"))
        }
    }

    /// Every read shape, cold (first call) and warm, against the uncached path.
    private func expectSameOutput(_ sandbox: Sandbox, _ situation: String,
                                  sourceLocation: SourceLocation = #_sourceLocation) throws {
        let shapes = [["board", "--json"], ["status", "--json"], ["status", "--json", "--all"],
                      ["board"], ["board", "--all"], ["status"], ["status", "--all"]]
        for shape in shapes {
            let uncached = try sandbox.run(try KanbotsBinary.path(), shape, environment: ["KANBOTS_NO_CACHE": "1"])
            let first = try sandbox.run(try KanbotsBinary.path(), shape)
            let second = try sandbox.run(try KanbotsBinary.path(), shape)
            #expect(uncached.succeeded, "\(shape) uncached, \(situation): \(uncached)", sourceLocation: sourceLocation)
            #expect(first.stdout == uncached.stdout, "\(shape) cold, \(situation)", sourceLocation: sourceLocation)
            #expect(second.stdout == uncached.stdout, "\(shape) warm, \(situation)", sourceLocation: sourceLocation)
            #expect(first.stderr == uncached.stderr && second.stderr == uncached.stderr,
                    "\(shape) warnings, \(situation)", sourceLocation: sourceLocation)
        }
    }
}

/// Writes run records straight into git in the run store's format (as
/// scripts/bench-board.sh does), with a seeded random mix of states, cards
/// and branches: many runs in seconds.
struct RunHistory {
    let sandbox: Sandbox
    var random: SeededRandom
    var ids: [String] = []
    var branches: [String: String] = [:]
    private var fields: [String: [(String, String)]] = [:]
    private var number = 0

    init(sandbox: Sandbox, seed: UInt64) {
        self.sandbox = sandbox
        random = SeededRandom(seed: seed)
    }

    mutating func addRuns(_ count: Int) throws {
        let base = try sandbox.gitOK("rev-parse", "main")
        var stream = ""
        for _ in 0..<count {
            number += 1
            let id = "\(number)-" + ["t3st", "q7mx"][random.next(2)]
            let card = 1 + random.next(3)
            let name = "issue-\(card)-\(id)"
            let created = 1_763_000_000 + random.next(90 * 86_400)
            let state = ["completed", "completed", "failed", "cancelled", "discarded", "merged"][random.next(6)]
            var record: [(String, String)] = [
                ("Run", id), ("Card", "\(card)"), ("State", state), ("Agent", "demo"), ("Branch", "kanbots/\(name)"),
                ("Worktree", ".kanbots/worktrees/\(name)"), ("Base", "main"), ("Base-Commit", base),
                ("Created", Self.timestamp(created)), ("Ended", Self.timestamp(created + 300)),
                ("Updated", Self.timestamp(created + 300)),
                ("Cost-USD", String(format: "%.6f", Double(random.next(400_000)) / 100_000)),
                ("Host", "laptop"), ("Uuid", UUID().uuidString.lowercased()),
            ]
            if state == "failed" { record.insert(("Reason", "agent_exited 1"), at: 3) }
            fields[id] = record
            stream += Self.commit(ref: "refs/kanbots/runs/\(id)", message: Self.message(id, record), parent: nil)
            ids.append(id)
            if random.next(4) == 0 { branches[id] = "kanbots/\(name)" }
        }
        try importStream(stream)
        for branch in branches.values.sorted() {
            let exists = try sandbox.git("rev-parse", "--verify", "-q", "refs/heads/" + branch).succeeded
            if !exists { try sandbox.gitOK("branch", branch, "main") }
        }
    }

    /// New transitions on existing runs (a new tip, a new cost).
    mutating func transitionSome(_ count: Int) throws {
        var stream = ""
        for _ in 0..<count {
            let id = ids[random.next(ids.count)]
            guard var record = fields[id] else { continue }
            let state = ["discarded", "completed", "merged", "failed"][random.next(4)]
            record = record.filter { $0.0 != "State" && $0.0 != "Reason" }
            record.insert(("State", state), at: 2)
            if let cost = record.firstIndex(where: { $0.0 == "Cost-USD" }) {
                record[cost].1 = String(format: "%.6f", Double(random.next(400_000)) / 100_000)
            }
            fields[id] = record
            let tip = try sandbox.gitOK("rev-parse", "refs/kanbots/runs/\(id)")
            stream += Self.commit(ref: "refs/kanbots/runs/\(id)", message: Self.message(id, record), parent: tip)
        }
        try importStream(stream)
    }

    mutating func deleteSomeBranches(_ count: Int) throws {
        for id in branches.keys.sorted().prefix(count) {
            try sandbox.gitOK("branch", "-q", "-D", branches.removeValue(forKey: id)!)
        }
    }

    /// Gives settled runs a branch again (one ahead of main): they count again.
    mutating func branchSomeSettledRuns(_ count: Int) throws {
        for _ in 0..<count {
            let id = ids[random.next(ids.count)]
            guard branches[id] == nil, let branch = fields[id]?.first(where: { $0.0 == "Branch" })?.1 else { continue }
            try sandbox.gitOK("branch", branch, "main")
            let tree = try sandbox.gitOK("rev-parse", "main^{tree}")
            let commit = try sandbox.gitOK("commit-tree", tree, "-p", "main", "-m", "work of \(id)")
            try sandbox.gitOK("update-ref", "refs/heads/" + branch, commit)
            branches[id] = branch
        }
    }

    private func importStream(_ stream: String) throws {
        let file = sandbox.root + "/tmp/records-\(UUID().uuidString.prefix(8)).fi"
        try stream.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try sandbox.run("/bin/sh", ["-c", "git fast-import --quiet --force < '\(file)'"])
        guard result.succeeded else { throw TestFailure("fast-import failed: \(result)") }
    }

    private static func message(_ id: String, _ record: [(String, String)]) -> String {
        let state = record.first { $0.0 == "State" }!.1
        return "run \(id): \(state)\n\n" + record.map { "\($0.0): \($0.1)\n" }.joined()
    }

    private static func commit(ref: String, message: String, parent: String?) -> String {
        let who = "Kanbots Test <test@kanbots.invalid> 1763000000 +0000"
        return "commit \(ref)\nauthor \(who)\ncommitter \(who)\ndata \(message.utf8.count)\n\(message)"
            + (parent.map { "from \($0)\n" } ?? "") + "\n"
    }

    private static func timestamp(_ seconds: Int) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}

/// A small deterministic generator (SplitMix64), so a failure can be replayed.
struct SeededRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }
}
