import Foundation
import Testing
@testable import KanbotsCore

@Suite struct AutopilotSessionTests {
    let created = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aSessionRecordRoundTripsThroughItsText() throws {
        var session = AutopilotSession(id: "20261123-140501-k3qz", parallel: 4, budgetUSD: 25, runCapUSD: 4,
                                       personas: ["engineer", "reviewer"], createdAt: created, host: "box")
        session.state = .draining
        session.stopReason = StopReason.budgetReached(25.126)
        session.cards = [3, 5, 8]
        session.agent = "claude"
        session.afterInReview = true
        session.maxFailures = 2
        session.orchestratorPID = 4242
        session.spentUSD = 25.126
        session.dispatched = 9
        let text = session.message(event: "budget reached").text
        #expect(text.hasPrefix("autopilot 20261123-140501-k3qz: budget reached\n"))
        let parsed = try AutopilotSession(parsing: text)
        session.updatedAt = parsed.updatedAt
        #expect(parsed == session)
        #expect(parsed.stopReason == "budget_reached 25.13")
    }

    @Test func aQASessionKeepsItsChecksInOrderAndItsProgress() throws {
        var session = AutopilotSession(id: "s-1", parallel: 1, budgetUSD: 5, runCapUSD: 1, personas: ["engineer"],
                                       createdAt: created, host: "box")
        var qa = QAState(checks: ["swift test", "swiftlint --strict"], base: "main", maxRounds: 2)
        qa.failingOnBase = [0, 1]
        qa.green = [1]
        qa.verifiedRuns = ["3-abcd"]
        qa.cards = [0: 7, 1: 8]
        session.qa = qa
        let parsed = try AutopilotSession(parsing: session.message(event: "x").text)
        #expect(parsed.qa == qa)

        qa.failingOnBase = []
        session.qa = qa
        #expect(try AutopilotSession(parsing: session.message(event: "x").text).qa?.failingOnBase == [])
    }

    @Test func malformedSessionRecordsAreRefusedNamingTheField() {
        #expect(throws: RecordError.badField("Parallel", "0")) {
            try AutopilotSession(parsing: "s\n\nSession: a\nState: running\nParallel: 0\n")
        }
        #expect(throws: RecordError.badField("State", "flying")) {
            try AutopilotSession(parsing: "s\n\nSession: a\nState: flying\n")
        }
        #expect(!AutopilotSession.isValidID("../etc"))
        #expect(AutopilotSession.isValidID(AutopilotSession.newID()))
    }

    @Test func theBoardListsOnlyTheDependenciesThatAreNotDone() {
        var first = Card(number: 1, title: "Schema", createdAt: created)
        first.state = .closed
        let second = Card(number: 2, title: "API", createdAt: created)
        var third = Card(number: 3, title: "UI", createdAt: created)
        third.after = [1, 2]
        third.rank = 1
        let board = BoardProjection.board(cards: [first, second, third], runs: [])
        #expect(board.cards.first { $0.number == 3 }?.waitsFor == [2])
        #expect(board.cards.first { $0.number == 2 }?.waitsFor == [])
        let reparsed = try? Card(parsing: third.message.text, body: "")
        #expect(reparsed?.rank == 1 && reparsed?.after == [1, 2])
    }
}
