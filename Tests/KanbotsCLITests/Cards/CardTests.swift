import Foundation
import Testing

@Suite("cards") struct CardTests {
    private func card(_ sandbox: Sandbox, _ number: Int) throws -> CardInfo {
        try JSON.decode(CardInfo.self, from: try sandbox.kanbots("card", "show", String(number), "--json"))
    }

    @Test func numbersIncreaseAndAreNeverReused() throws {
        try Sandbox.with { sandbox in
            let new = try sandbox.kanbots("card", "new", "Add CSV export")
            expectSuccess(new)
            #expect(new.stdout == "1\n", "card new should print just the number: \(new)")
            #expect(try sandbox.newCard("Second") == 2)
            #expect(try sandbox.newCard("Third") == 3)
            expectSuccess(try sandbox.kanbots("card", "close", "3"))
            expectSuccess(try sandbox.kanbots("card", "close", "2"))
            #expect(try sandbox.newCard("Fourth") == 4, "a closed card's number was reused")
            #expect(try sandbox.gitOK("for-each-ref", "--format=%(refname)", "refs/kanbots/cards/")
                .split(separator: "\n").count == 4)
        }
    }

    @Test func listShowEditClose() throws {
        try Sandbox.with { sandbox in
            #expect(try sandbox.newCard("Add CSV export", "--body", "Export the table as CSV.") == 1)
            try sandbox.write(sandbox.root + "/body.md", "Line one\nLine two\n")
            #expect(try sandbox.newCard("Fix pagination", "--body-file", sandbox.root + "/body.md") == 2)

            let first = try card(sandbox, 1)
            #expect(first.title == "Add CSV export")
            #expect(first.body == "Export the table as CSV.")
            #expect(first.state == "open")
            #expect(try card(sandbox, 2).body == "Line one\nLine two\n")

            let shown = try sandbox.kanbots("card", "show", "1")
            expectSuccess(shown)
            #expect(shown.stdout.contains("#1 Add CSV export") && shown.stdout.contains("Export the table as CSV."))

            let list = try sandbox.kanbots("card", "list")
            expectSuccess(list)
            #expect(list.stdoutLines.count == 2 && list.stdout.contains("Add CSV export")
                && list.stdout.contains("Fix pagination"), "\(list)")

            expectSuccess(try sandbox.kanbots("card", "edit", "1", "--title", "Export CSV and TSV", "--body", "Both."))
            #expect(try card(sandbox, 1).title == "Export CSV and TSV")
            #expect(try card(sandbox, 1).body == "Both.")
            try sandbox.write(sandbox.root + "/new-body.md", "From a file.\n")
            expectSuccess(try sandbox.kanbots("card", "edit", "2", "--body-file", sandbox.root + "/new-body.md",
                                              "--after", "1"))
            let second = try card(sandbox, 2)
            #expect(second.body == "From a file.\n")
            #expect(second.after == [1])
            #expect(second.title == "Fix pagination", "editing the body changed the title")
            // Each edit is one more commit on the card's ref.
            #expect(try sandbox.gitOK("rev-list", "--count", "refs/kanbots/cards/1") == "2")

            expectSuccess(try sandbox.kanbots("card", "close", "1"))
            #expect(try card(sandbox, 1).state == "closed")
            let open = try JSON.decode([CardInfo].self, from: try sandbox.kanbots("card", "list", "--json"))
            #expect(open.map(\.number) == [2])
            let all = try JSON.decode([CardInfo].self, from: try sandbox.kanbots("card", "list", "--json", "--all"))
            #expect(all.map(\.number) == [1, 2])
            #expect(try sandbox.board().cards.first { $0.number == 1 }?.column == "done")

            expectCleanError(try sandbox.kanbots("card", "show", "9"), mentioning: "unknown card 9")
            expectCleanError(try sandbox.kanbots("card", "edit", "9", "--title", "x"), mentioning: "unknown card 9")
            expectCleanError(try sandbox.kanbots("card", "close", "x1"), mentioning: "not a card number")
            expectCleanError(try sandbox.kanbots("card", "edit", "2", "--after", "2"), mentioning: "itself")
        }
    }

    @Test func twentyConcurrentNewCardsGetTwentyNumbers() throws {
        try Sandbox.with { sandbox in
            let processes = try (1...20).map { try sandbox.startKanbots(["card", "new", "Card \($0)"]) }
            let results = try processes.map { try $0.wait(timeout: 120) }
            for result in results { expectSuccess(result) }
            let numbers = results.compactMap { Int($0.output) }
            #expect(numbers.count == 20)
            #expect(Set(numbers) == Set(1...20), "numbers: \(numbers.sorted())")
            let listed = try JSON.decode([CardInfo].self, from: try sandbox.kanbots("card", "list", "--json"))
            #expect(Set(listed.map(\.number)) == Set(1...20))
            #expect(Set(listed.map(\.title)) == Set((1...20).map { "Card \($0)" }), "a title was lost or swapped")
        }
    }
}
