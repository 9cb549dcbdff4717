import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The merge queue (`land --watch`, docs/review.md): ready runs land by
/// themselves with their checks on the merged result, runs that no longer
/// merge are redone by a rebase run, and nothing needs a human.
@Suite("merge queue") struct MergeQueueTests {
    /// Cards 1 and 2 change adjacent lines of shared.txt, so do cards 3 and
    /// 4 (each pair conflicts); the others write files of their own. The
    /// edit is made on whatever the worktree holds, so a rebase run on the
    /// new base redoes it without a conflict.
    static let agent = """
        #!/bin/sh
        echo '{"type":"system","subtype":"init","session_id":"s-queue","model":"claude-sonnet-4-5","cwd":"."}'
        case "$KANBOTS_CARD" in
        1) sed -i 's/^line 10$/line 10 by card 1/' shared.txt ;;
        2) sed -i 's/^line 11$/line 11 by card 2/' shared.txt ;;
        3) sed -i 's/^line 50$/line 50 by card 3/' shared.txt ;;
        4) sed -i 's/^line 51$/line 51 by card 4/' shared.txt ;;
        *) echo "card $KANBOTS_CARD" > "card-$KANBOTS_CARD.txt" ;;
        esac
        echo '{"type":"result","subtype":"success","is_error":false,"num_turns":1,"total_cost_usd":0.01,"session_id":"s-queue"}'
        """

    /// A shared file of 100 lines, a real check run on each merged result,
    /// and the scripted agent above.
    static func prepare(_ sandbox: Sandbox) throws {
        try sandbox.write("shared.txt", (1...100).map { "line \($0)" }.joined(separator: "\n") + "\n")
        try sandbox.gitOK("add", "shared.txt")
        try sandbox.gitOK("commit", "-q", "-m", "a shared file")
        try sandbox.gitOK("config", "--add", "kanbots.check", "test $(wc -l < shared.txt) -eq 100")
        try sandbox.installFakeAgent("claude", script: agent)
    }

    /// The loop: twelve cards, two conflicting pairs among them.
    static let cards = 12

    @Test func twelveCardsWithTwoConflictingPairsAllLandAndTheConflictingOnesAreRedoneOnce() throws {
        try Sandbox.with(cards: (1...Self.cards).map { "Card \($0)" }) { sandbox in
            try Self.prepare(sandbox)
            for card in 1...Self.cards { _ = try sandbox.dispatch(card, ["--agent", "claude"]) }
            try sandbox.waitUntilIdle(timeout: 120)

            let watcher = try sandbox.startKanbots(["land", "--watch", "--interval", "0.2"])
            let done = try ProcessProbe.waitUntil(timeout: 180, interval: 0.3) {
                try sandbox.board().cards.allSatisfy { $0.column == "done" }
            }
            watcher.signal(SIGINT)
            let output = try watcher.wait(timeout: 60)
            let board = try sandbox.kanbots("board").stdout
            #expect(done, "not every card landed: \(board)\n\(output)")
            let rebases = try Self.expectEverythingLanded(sandbox, story: output.stdout)
            let context = try sandbox.gitOK("show", "refs/kanbots/runs/\(try #require(rebases.first)):prompt-context.md")
            #expect(context.contains("shared.txt") && context.contains("```diff"), "\(context)")
            #expect(output.stdout.contains("no longer merges: rebase run"), "\(output.stdout)")
        }
    }

    @Test func anAutopilotSessionWithLandEndsWithEveryCardOnTheBaseAndItsStoryOnTheSession() throws {
        try Sandbox.with(cards: (1...Self.cards).map { "Card \($0)" }) { sandbox in
            try Self.prepare(sandbox)
            let started = try sandbox.run(
                try KanbotsBinary.path(),
                ["autopilot", "start", "--json", "--parallel", "4", "--budget", "5", "--agent", "claude", "--land"],
                environment: ["KANBOTS_AUTOPILOT_POLL_SECONDS": "0.05", "KANBOTS_AUTOPILOT_MAX_LOAD_PER_CORE": "1000"])
            // `pid` is a number (docs/json.md): decoding it as one checks that.
            struct Started: Decodable { var id: String; var pid: Int32 }
            let session = try JSON.decode(Started.self, from: started).id

            let done = try ProcessProbe.waitUntil(timeout: 180, interval: 0.3) {
                try sandbox.board().cards.allSatisfy { $0.column == "done" }
            }
            let board = try sandbox.kanbots("board").stdout
            #expect(done, "not every card landed: \(board)")
            // The session tells the story, and its rebase runs count as its own.
            let story = try sandbox.gitOK("log", "--format=%s", "refs/kanbots/sessions/\(session)")
            // One landing per card: a rebase run lands in its card's place.
            #expect(story.components(separatedBy: "landed run").count - 1 == Self.cards, "\(story)")
            let rebases = try Self.expectEverythingLanded(sandbox, story: story)
            for run in rebases { #expect(try sandbox.record(run)["Autopilot-Session"] == session) }
        }
    }

    /// Every card's change is on main, the check passes on main's tip, the
    /// main checkout is clean, one card of each conflicting pair was redone
    /// once, and nothing needs a human. Returns the rebase runs.
    @discardableResult
    static func expectEverythingLanded(_ sandbox: Sandbox, story: String) throws -> [String] {
        let shared = try sandbox.gitOK("show", "main:shared.txt")
        for card in 1...4 { #expect(shared.contains("by card \(card)"), "card \(card)'s change is missing:\n\(shared)") }
        for card in 5...cards { #expect(try sandbox.gitOK("show", "main:card-\(card).txt") == "card \(card)") }
        #expect(try sandbox.gitOK("status", "--porcelain").isEmpty, "the main checkout is not clean")
        #expect(try sandbox.gitOK("rev-parse", "--abbrev-ref", "HEAD") == "main")
        let check = try sandbox.gitOK("config", "kanbots.check")
        let checked = try sandbox.run("/bin/sh", ["-c", check], in: sandbox.repo, environment: [:])
        #expect(checked.succeeded, "the check fails on main's tip: \(checked)")
        let rebases = try sandbox.runRefs().filter { try sandbox.record($0)["Rebase-Of"] != nil }
        let redone = try rebases.compactMap { Int(try sandbox.record($0)["Card"] ?? "") }.sorted()
        #expect(redone.count == 2 && [1, 2].contains(redone.first ?? 0) && [3, 4].contains(redone.last ?? 0),
                "rebase runs of cards \(redone)\n\(story)")
        #expect(try sandbox.kanbots("inbox").stdout.contains("Nothing needs you."))
        return rebases
    }

    @Test func withoutChecksNothingLandsUnlessAskedOnPurpose() throws {
        try Sandbox.with(cards: ["Unchecked"]) { sandbox in
            let run = try sandbox.dispatch(1)
            try sandbox.waitUntilIdle()
            let once = try sandbox.kanbots("land", "--watch", "--once")
            expectSuccess(once)
            #expect(once.stdout.contains("run \(run.id) waits for you: no checks configured"), "\(once.stdout)")
            #expect(try sandbox.board().cards.first?.column == "in_review")

            let unchecked = try sandbox.kanbots("land", "--watch", "--once", "--unchecked")
            expectSuccess(unchecked)
            #expect(unchecked.stdout.contains("landed run \(run.id)"), "\(unchecked.stdout)")
            #expect(try sandbox.board().cards.first?.column == "done")
        }
    }
}
