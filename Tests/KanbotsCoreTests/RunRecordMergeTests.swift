import Foundation
import Testing
@testable import KanbotsCore

/// The merge rule for two clones' diverged versions of one run record.
@Suite struct RunRecordMergeTests {
    static func version(_ state: RunState, updated: String, cost: Double, turns: Int?, extra: [String: String] = [:]) -> RunRecord {
        var record = RunRecordTests.sample()
        record.state = state
        record.reason = nil
        record.updatedAt = Timestamp.parse(updated)!
        record.costUSD = cost
        record.turns = turns
        record.endedAt = state.isFinished ? record.updatedAt : nil
        record.extra = extra.sorted { $0.key < $1.key }.map { .init(key: $0.key, value: $0.value) }
        return record
    }

    @Test func theMoreAdvancedStateWinsAndNoMeteredFigureIsLost() {
        let completed = Self.version(.completed, updated: "2026-11-23T10:00:00Z", cost: 2.5, turns: 9, extra: ["A": "1"])
        let discarded = Self.version(.discarded, updated: "2026-11-23T09:50:00Z", cost: 0.4, turns: nil, extra: ["B": "2"])
        let merged = RunRecord.merged(completed, discarded)
        #expect(merged.state == .discarded)
        #expect(merged.costUSD == 2.5 && merged.turns == 9)
        #expect(merged.updatedAt == completed.updatedAt)
        #expect(Set(merged.extra.map(\.key)) == ["A", "B"])
        #expect(RunRecord.merged(discarded, completed) == merged)
    }

    @Test func equalStatesFallBackToTheLaterUpdateThenTheText() {
        let early = Self.version(.failed, updated: "2026-11-23T10:00:00Z", cost: 1, turns: 3)
        var late = Self.version(.failed, updated: "2026-11-23T10:05:00Z", cost: 1, turns: 3)
        late.reason = "supervisor_lost"
        #expect(RunRecord.merged(early, late).reason == "supervisor_lost")
        #expect(RunRecord.merged(late, early).reason == "supervisor_lost")
        var twin = early
        twin.reason = "agent_exited 1"
        #expect(RunRecord.merged(early, twin) == RunRecord.merged(twin, early))
        #expect(early.supersedes(twin) != twin.supersedes(early))
    }
}
