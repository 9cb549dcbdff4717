import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The merge queue when landing goes wrong: checks that fail only on the
/// merged result, rebase runs used up, and the watcher killed mid-landing.
@Suite("merge queue faults") struct MergeQueueFaultTests {
    /// Each card's agent writes a file of its own: no conflict, ever.
    static let agent = """
        #!/bin/sh
        echo '{"type":"system","subtype":"init","session_id":"s-faults","model":"claude-sonnet-4-5","cwd":"."}'
        echo "card $KANBOTS_CARD" > "card-$KANBOTS_CARD.txt"
        echo '{"type":"result","subtype":"success","is_error":false,"num_turns":1,"total_cost_usd":0.01,"session_id":"s-faults"}'
        """

    @Test func checksThatFailOnlyOnTheMergedResultGetOneFixRunWithTheirOutput() throws {
        try Sandbox.with(cards: ["First", "Second"]) { sandbox in
            // Each run passes alone; two card files side by side fail.
            try sandbox.gitOK("config", "--add", "kanbots.check",
                              "n=$(ls card-*.txt | wc -l); echo \"found $n card files\"; test $n -le 1")
            try sandbox.installFakeAgent("claude", script: Self.agent)
            let first = try sandbox.dispatch(1, ["--agent", "claude"])
            let second = try sandbox.dispatch(2, ["--agent", "claude"])
            try sandbox.waitUntilIdle()

            let pass = try sandbox.kanbots("land", "--watch", "--once")
            expectSuccess(pass)
            #expect(pass.stdout.contains("landed run \(first.id)"), "\(pass.stdout)")
            let again = try sandbox.kanbots("land", "--watch", "--once")
            #expect(again.stdout.contains("run \(second.id)'s checks fail on the merged result: fix run"), "\(again.stdout)")
            let fix = try #require(try sandbox.runRefs().first { try sandbox.record($0)["Fix-Of"] == second.id })
            let context = try sandbox.gitOK("show", "refs/kanbots/runs/\(fix):prompt-context.md")
            #expect(context.contains("found 2 card files"), "the fix run is not told the checks' output: \(context)")
            #expect(try sandbox.record(fix)["Base"] == second.branch, "the fix run does not start from the run's branch")
            #expect(try sandbox.gitOK("rev-parse", "main") == (try sandbox.gitOK("rev-parse", first.branch)),
                    "main moved past the first run")
            let failure = try #require(try sandbox.record(second.id)["Merge-Checks-Failed"], "the failure was not recorded")
            #expect(failure.hasPrefix(try sandbox.gitOK("rev-parse", second.branch) + " "), "\(failure)")

            // The fix run changes nothing that helps: the card waits in the inbox, with no second fix run.
            try sandbox.waitUntilIdle()
            let gaveUp = try sandbox.kanbots("land", "--watch", "--once")
            #expect(gaveUp.stdout.contains("its fix run did not help"), "\(gaveUp.stdout)")
            #expect(!gaveUp.stdout.contains("checking run \(second.id)"), "the same failing merge was checked again")
            #expect(try sandbox.runRefs().filter { try sandbox.record($0)["Fix-Of"] != nil }.count == 1)
            let inbox = try JSON.decode([InboxTests.Item].self, from: try sandbox.kanbots("inbox", "--json"))
            let item = try #require(inbox.first { $0.card == 2 }, "card 2 is not in the inbox: \(inbox)")
            #expect(item.kind == "needs_human" && item.run == second.id, "\(inbox)")
            #expect(item.why.hasPrefix("its checks failed on the merged result (n=$(ls"), "\(item.why)")
            #expect(item.next.hasPrefix("git kanbots reply \(second.id)"), "\(item.next)")
        }
    }

    @Test func aRiskyRunAndAnOutOfScopeRunWaitInTheInboxAndDoNotLand() throws {
        try Sandbox.with(cards: ["Risky", "Out of scope"]) { sandbox in
            try sandbox.gitOK("config", "--add", "kanbots.check", "true")
            try sandbox.gitOK("config", "--add", "kanbots.review.risky", "card-1.txt")
            try sandbox.kanbotsOK("card", "edit", "2", "--scope", "src/**")
            try sandbox.installFakeAgent("claude", script: Self.agent)
            let risky = try sandbox.dispatch(1, ["--agent", "claude"])
            let outside = try sandbox.dispatch(2, ["--agent", "claude"])
            try sandbox.waitUntilIdle()
            let before = try sandbox.gitOK("rev-parse", "main")

            let pass = try sandbox.kanbots("land", "--watch", "--once")
            expectSuccess(pass)
            #expect(pass.stdout.contains("run \(risky.id) waits for you: high risk"), "\(pass.stdout)")
            #expect(!pass.stdout.contains("landed run"), "\(pass.stdout)")
            #expect(try sandbox.gitOK("rev-parse", "main") == before, "main moved")
            let inbox = try JSON.decode([InboxTests.Item].self, from: try sandbox.kanbots("inbox", "--json"))
            let why = Dictionary(inbox.compactMap { item in item.run.map { ($0, item.why) } }, uniquingKeysWith: { a, _ in a })
            #expect(why[risky.id]?.hasPrefix("high risk") == true, "\(inbox)")
            #expect(why[outside.id]?.contains("outside its card's scope: card-2.txt") == true, "\(inbox)")
        }
    }

    @Test func aRunStillConflictingAfterItsRetriesWaitsInTheInbox() throws {
        try Sandbox.with(cards: ["Line 10", "Line 11"]) { sandbox in
            try MergeQueueTests.prepare(sandbox)
            try sandbox.gitOK("config", "kanbots.land.retries", "0")
            let first = try sandbox.dispatch(1, ["--agent", "claude"])
            let second = try sandbox.dispatch(2, ["--agent", "claude"])
            try sandbox.waitUntilIdle()

            expectSuccess(try sandbox.kanbots("land", "--watch", "--once"))
            let waits = try sandbox.kanbots("land", "--watch", "--once")
            #expect(waits.stdout.contains("run \(second.id) waits for you: it still conflicts with its base after 0 rebase runs"),
                    "\(waits.stdout)")
            #expect(try !sandbox.runRefs().contains { try sandbox.record($0)["Rebase-Of"] != nil }, "a rebase run started")
            let inbox = try sandbox.kanbots("inbox").stdout
            #expect(inbox.contains("conflicts with its base in shared.txt"), "\(inbox)")
            #expect(try sandbox.record(first.id)["State"] == "merged")
        }
    }

    @Test func aWatcherKilledWhileItsCheckRunsLeavesTheBaseAloneAndANewOneLands() throws {
        try Sandbox.with(cards: ["Slow check"]) { sandbox in
            let pidFile = sandbox.root + "/check.pid"
            try sandbox.gitOK("config", "--add", "kanbots.check", "echo $$ > \(shellQuoted(pidFile)); sleep 3")
            try sandbox.installFakeAgent("claude", script: Self.agent)
            let run = try sandbox.dispatch(1, ["--agent", "claude"])
            try sandbox.waitUntilIdle()
            let before = try sandbox.gitOK("rev-parse", "main")

            let watcher = try sandbox.startKanbots(["land", "--watch", "--interval", "0.2"])
            #expect(sandbox.waitForFile(pidFile), "the check never started")
            watcher.signal(SIGKILL)
            _ = try? watcher.wait(timeout: 10)
            if let check = sandbox.recordedPID(pidFile) { kill(-check, SIGKILL) }  // what a dying machine takes along
            #expect(try sandbox.gitOK("rev-parse", "main") == before, "main moved although the landing never finished")
            #expect(try sandbox.record(run.id)["State"] == "completed")

            unlink(pidFile)
            let again = try sandbox.kanbots("land", "--watch", "--once", timeout: 60)
            expectSuccess(again)
            #expect(again.stdout.contains("landed run \(run.id)"), "\(again.stdout)")
            #expect(try sandbox.gitOK("show", "main:card-1.txt") == "card 1")
            #expect(try sandbox.gitOK("status", "--porcelain").isEmpty, "the main checkout is not clean")
        }
    }
}
