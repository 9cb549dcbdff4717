import Foundation
import Testing

/// `git kanbots inbox`: what waits for a human, derived from the board.
@Suite("inbox") struct InboxTests {
    struct Item: Decodable {
        var kind: String
        var run: String?
        var card: Int?
        var why: String
        var next: String
    }

    @Test func failedRunsAndRunsInReviewWaitThereUntilDealtWith() throws {
        try Sandbox.with(cards: ["Ready", "Checks fail", "Agent fails"]) { sandbox in
            let empty = try sandbox.kanbots("inbox")
            expectSuccess(empty)
            #expect(empty.stdout.contains("Nothing needs you."), "\(empty)")

            try sandbox.kanbotsOK("card", "edit", "2", "--check", "echo broken; exit 1")
            // The demo agent writes a file of the card's own: these runs do not conflict.
            let ready = try sandbox.dispatch(1)
            let failing = try sandbox.dispatch(2)
            let failed = try sandbox.dispatch(3, environment: ["KANBOTS_DEMO_EXIT": "3"])
            try sandbox.waitUntilIdle()

            let items = try JSON.decode([Item].self, from: try sandbox.kanbots("inbox", "--json"))
            let byRun = Dictionary(uniqueKeysWithValues: items.compactMap { item in item.run.map { ($0, item) } })
            #expect(items.count == 3, "\(items)")
            #expect(byRun[ready.id]?.kind == "needs_human" && byRun[ready.id]?.why == "ready to land", "\(items)")
            // No repository checks (card 2's own are a card's), so the inbox suggests land without --check.
            #expect(byRun[ready.id]?.next == "git kanbots land \(ready.id)", "\(items)")
            #expect(byRun[failing.id]?.kind == "needs_human" && byRun[failing.id]?.why == "its checks failed", "\(items)")
            #expect(byRun[failed.id]?.kind == "failed" && byRun[failed.id]?.next == "git kanbots show \(failed.id)", "\(items)")
            let text = try sandbox.kanbots("inbox").stdout
            #expect(text.contains("→ git kanbots land \(ready.id)\n"), "\(text)")

            // Dealt with: landed, and the failed card closed. Only the failing checks remain.
            expectSuccess(try sandbox.kanbots("land", ready.id))
            expectSuccess(try sandbox.kanbots("card", "close", "3"))
            let left = try JSON.decode([Item].self, from: try sandbox.kanbots("inbox", "--json"))
            #expect(left.map(\.run) == [failing.id], "\(left)")
        }
    }
}

/// `kanbots.notify`: each event as one JSON line on the command's input.
@Suite("notifications") struct NotificationTests {
    struct Event: Decodable {
        var event: String
        var run: String?
        var text: String
    }

    @Test func theNotifyCommandHearsOfAFailedRunAndALanding() throws {
        try Sandbox.with(cards: ["Fails", "Lands"]) { sandbox in
            let heard = sandbox.root + "/events.ndjson"
            try sandbox.gitOK("config", "kanbots.notify", "cat >> \(shellQuoted(heard))")
            let failed = try sandbox.dispatch(1, environment: ["KANBOTS_DEMO_EXIT": "3"])
            let landing = try sandbox.dispatch(2)
            try sandbox.waitUntilIdle()
            expectSuccess(try sandbox.kanbots("land", "--watch", "--once", "--unchecked"))

            func events() -> [Event] {
                (sandbox.read(heard) ?? "").split(separator: "\n").compactMap {
                    try? JSONDecoder().decode(Event.self, from: Data($0.utf8))
                }
            }
            // The notifier runs in the background: give it a moment.
            _ = ProcessProbe.waitUntil(timeout: 10) { events().count >= 2 }
            let got = events()
            #expect(got.contains { $0.event == "failed" && $0.run == failed.id }, "\(got)")
            #expect(got.contains { $0.event == "landed" && $0.run == landing.id }, "\(got)")
            #expect(!got.contains { $0.event == "landed" && $0.run == failed.id })
        }
    }
}
