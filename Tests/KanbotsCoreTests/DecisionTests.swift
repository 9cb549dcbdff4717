import Foundation
import Testing
@testable import KanbotsCore

@Suite struct QuestionTests {
    let question = Question(number: 1, text: "Which database?", options: ["sqlite", "postgres"], defaultAnswer: "sqlite",
                            why: "the card says \"small\"\nand \"fast\"", askedAt: Date(timeIntervalSince1970: 1_800_000_000))

    @Test func answersAreOptionNumbersOrFreeTextOrTheDefault() throws {
        #expect(try question.resolve("2") == "postgres")
        #expect(try question.resolve(" mysql ") == "mysql")
        #expect(try question.resolve(nil) == "sqlite")
        #expect(throws: DecisionError.noSuchOption(3, count: 2)) { try question.resolve("3") }
        #expect(throws: DecisionError.emptyAnswer) { try question.resolve("  ") }
        var noDefault = question
        noDefault.defaultAnswer = nil
        #expect(throws: DecisionError.noDefault(number: 1)) { try noDefault.resolve(nil) }
        #expect(noDefault.deadline(decideAfter: 60) == nil)
    }

    @Test func irreversibleQuestionsNeverTakeTheDefaultImplicitly() throws {
        var irreversible = question
        irreversible.irreversible = true
        #expect(throws: DecisionError.irreversibleNeedsChoice(number: 1)) { try irreversible.resolve(nil) }
        #expect(try irreversible.resolve("1") == "sqlite")
        #expect(irreversible.deadline(decideAfter: 60) == nil)
        #expect(question.deadline(decideAfter: 60) == question.askedAt.addingTimeInterval(60))
        #expect(question.deadline(decideAfter: nil) == nil)
    }

    @Test func askAndAnswerRoundTripThroughTheRecordText() throws {
        var record = RunRecordTests.sample()
        record.state = .running
        record.decideAfter = 600
        record.ask(question)
        let asked = try RunRecord(parsing: record.message.text)
        #expect(asked.state == .awaitingDecision)
        var expected = question
        expected.why = "the card says \"small\" and \"fast\""  // one line per fact
        #expect(asked.openQuestion == expected)
        #expect(asked.decideAfter == 600 && asked.questionsAsked == 1)

        var answered = asked
        answered.answer(Answer(question: 1, text: "postgres", source: .human,
                               answeredAt: Date(timeIntervalSince1970: 1_800_000_100)))
        let reread = try RunRecord(parsing: answered.message.text)
        #expect(reread.state == .running && reread.openQuestion == nil)
        #expect(reread.lastAnswer == Answer(question: 1, text: "postgres", source: .human,
                                            answeredAt: Date(timeIntervalSince1970: 1_800_000_100)))
        #expect(reread.questionsAsked == 1)
    }

    @Test func durationsAsPeopleTypeThem() {
        #expect(DurationText.seconds("90s") == 90)
        #expect(DurationText.seconds("10m") == 600)
        #expect(DurationText.seconds("2h") == 7200)
        #expect(DurationText.seconds("1d") == 86400)
        #expect(DurationText.seconds("45") == 45)
        #expect(DurationText.seconds("1.5m") == 90)
        for bad in ["", "soon", "-5m", "m", "10x"] { #expect(DurationText.seconds(bad) == nil, "\(bad)") }
    }
}

@Suite struct DecisionBoardTests {
    @Test func openQuestionStaysInProgressWhenItsSupervisorIsGone() {
        var record = RunRecordTests.sample()
        record.state = .running
        record.ask(Question(number: 1, text: "Ship it?"))
        let gone = RunObservation(branchTip: nil, ahead: nil, behind: nil, supervisor: .gone)
        let view = BoardProjection.view(of: record, observed: gone)
        #expect(view.column == .inProgress && view.displayState == "awaiting_decision" && !view.isLost)
        #expect(view.note?.contains("git kanbots answer 7-k3qz") == true)

        record.state = .running  // no open question any more: the usual liveness rule applies
        #expect(BoardProjection.view(of: record, observed: gone).isLost)
    }
}
