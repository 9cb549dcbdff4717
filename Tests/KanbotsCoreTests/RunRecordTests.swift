import Foundation
import Testing
@testable import KanbotsCore

@Suite struct RunRecordTests {
    static func sample() -> RunRecord {
        var record = RunRecord(
            id: RunID("7-k3qz")!, card: 42, agent: "claude", model: "claude-sonnet-4-5",
            branch: "kanbots/issue-42-7-k3qz", worktree: ".kanbots/worktrees/issue-42-7-k3qz",
            base: "main", baseCommit: String(repeating: "a", count: 40),
            createdAt: Timestamp.parse("2026-11-23T09:30:00Z")!, host: "box", uuid: "u-1")
        record.state = .failed
        record.reason = "agent_exited 3"
        record.costUSD = 1.234567
        record.capUSD = 4
        record.startedAt = Timestamp.parse("2026-11-23T09:30:05Z")
        record.endedAt = Timestamp.parse("2026-11-23T09:41:00Z")
        record.updatedAt = record.endedAt!
        record.turns = 12
        record.extra = [.init(key: "Pr-Url", value: "https://example.invalid/pr/1")]
        return record
    }

    @Test func roundTripsThroughItsMessage() throws {
        let record = Self.sample()
        let text = record.message.text
        #expect(text.hasPrefix("run 7-k3qz: failed (agent_exited 3)\n\n"))
        #expect(text.contains("\nCost-USD: 1.234567\n"))
        #expect(try RunRecord(parsing: text) == record)
    }

    @Test func keepsUnknownFieldsOnRewrite() throws {
        var text = Self.sample().message.text
        text += "Future-Field: kept\n"
        let parsed = try RunRecord(parsing: text)
        #expect(parsed.extraValue("Future-Field") == "kept")
        #expect(parsed.message.text.contains("Future-Field: kept"))
    }

    @Test func reportsTheFieldThatIsWrong() {
        let broken = Self.sample().message.text.replacingOccurrences(of: "State: failed", with: "State: sleeping")
        #expect(throws: RecordError.badField("State", "sleeping")) { try RunRecord(parsing: broken) }
        let missing = Self.sample().message.text.replacingOccurrences(of: "Branch: kanbots/issue-42-7-k3qz\n", with: "")
        #expect(throws: RecordError.missingField("Branch")) { try RunRecord(parsing: missing) }
        #expect(throws: RecordError.self) { try RunRecord(parsing: "hello\n\nthis is not a record") }
    }

    @Test func newlinesInValuesStayOnOneLine() throws {
        var record = Self.sample()
        record.reason = "line one\nline two"
        let parsed = try RunRecord(parsing: record.message.text)
        #expect(parsed.reason == "line one line two")
    }

    @Test func runIDsParseOnlyTheirOwnForm() {
        #expect(RunID("7-k3qz")?.number == 7)
        #expect(RunID("7-k3qz")?.clone.value == "k3qz")
        for bad in ["7", "k3qz", "07-k3qz", "0-k3qz", "-1-k3qz", "7-K3QZ", "7-k3q", "7-1abc", "7-k3qz-x", "7-k3q0"] {
            #expect(RunID(bad) == nil, "\(bad) should not parse")
        }
        #expect(RunID(number: 9, clone: CloneTag("abcd")!) < RunID(number: 10, clone: CloneTag("abcd")!))
    }

    @Test func randomCloneTagsAreValid() {
        for _ in 0..<200 {
            let tag = CloneTag.random()
            #expect(CloneTag(tag.value) == tag)
        }
    }

    @Test func timestampsRoundTrip() {
        for seconds in [0, 951_782_400, 1_795_000_000, 4_102_444_799] {
            let date = Date(timeIntervalSince1970: TimeInterval(seconds))
            #expect(Timestamp.parse(Timestamp.format(date)) == date)
        }
        #expect(Timestamp.format(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00Z")
        #expect(Timestamp.parse("2026-13-01T00:00:00Z") == nil)
        #expect(Timestamp.parse("2026-11-23 09:30:00") == nil)
    }

    @Test func cardsRoundTrip() throws {
        var card = Card(number: 3, title: "Add CSV export", body: "Body\nwith lines", createdAt: Timestamp.parse("2026-11-23T09:30:00Z")!)
        card.after = [1, 2]
        card.lane = .backlog
        let parsed = try Card(parsing: card.message.text, body: card.body)
        #expect(parsed == card)
    }
}
