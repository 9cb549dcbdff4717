import Foundation
import KanbotsCore
import KanbotsReview

/// A run's readiness in JSON: in full on `review --json`, as a summary
/// (no per-file list or reasons) under `readiness` on `board --json` and
/// `status --json`, which list every run. Documented in docs/json.md.
///
/// Conflicts are a reference to a conflict group (`ConflictGroup`) that the
/// document lists once, so a board where every run conflicts with every
/// other stays linear in the number of runs; `review RUN --json`, about one
/// run, also lists them pair by pair.
public struct ReadinessJSON: JSONFields {
    var readiness: Readiness
    var full: Bool
    var pairs: Bool

    public init(_ readiness: Readiness) { self.init(readiness, full: false) }

    public init(_ readiness: Readiness, full: Bool, pairs: Bool = false) {
        self.readiness = readiness
        self.full = full
        self.pairs = pairs
    }

    public func writeFields<Sink: JSONFieldSink>(to sink: inout Sink) throws {
        let r = readiness
        try sink.field("verdict", r.verdict.rawValue)
        try sink.field("label", r.shortLabel)
        if full { try sink.field("reasons", r.reasons) }
        try sink.field("tip", r.tip)
        try sink.field("base_tip", r.baseTip)
        try sink.field("merge_base", r.mergeBase)
        try sink.field("behind", r.behind)
        try sink.field("merges_cleanly", r.mergesCleanly)
        try sink.field("base_conflicts", r.baseConflicts)
        try sink.field("conflict_group", r.conflictGroup?.id)
        try sink.field("conflicting_runs", r.conflicts.count)
        if pairs { try sink.field("conflicts", r.conflicts.map(ConflictJSON.init)) }
        try sink.field("out_of_scope", r.outOfScope)
        try sink.field("risk", r.risk.rawValue)
        if full { try sink.field("risk_reasons", r.riskReasons) }
        try sink.field("group", r.group.rawValue)
        try sink.field("checks", r.checks?.rawValue)
        if full { try sink.field("failed_on_merge", r.failedOnMerge) }
        try sink.field("agent_tested", r.agentTested?.rawValue)
        try sink.field("files_changed", r.files.count)
        try sink.field("lines_added", r.linesAdded)
        try sink.field("lines_removed", r.linesRemoved)
        if full { try sink.objects("files", r.files.map(FileJSON.init)) }
    }

    public struct ConflictJSON: JSONFields {
        var conflict: RunConflict
        public init(_ conflict: RunConflict) { self.conflict = conflict }
        public func writeFields<Sink: JSONFieldSink>(to sink: inout Sink) throws {
            try sink.field("run", conflict.run)
            try sink.field("card", conflict.card)
            try sink.field("paths", conflict.paths)
        }
    }

    public struct FileJSON: JSONFields {
        var file: ChangedFile
        public init(_ file: ChangedFile) { self.file = file }
        public func writeFields<Sink: JSONFieldSink>(to sink: inout Sink) throws {
            try sink.field("path", file.path)
            try sink.field("status", file.status)
            try sink.field("lines_added", file.linesAdded)
            try sink.field("lines_removed", file.linesRemoved)
        }
    }
}

/// A conflict group, listed once at the top of `board --json` and
/// `review --json`: a run whose `conflict_group` it is conflicts with each of
/// its runs of another card, in some of its paths.
public struct ConflictGroupJSON: JSONFields {
    var group: ConflictGroup
    public init(_ group: ConflictGroup) { self.group = group }
    public func writeFields<Sink: JSONFieldSink>(to sink: inout Sink) throws {
        try sink.field("id", group.id)
        try sink.field("paths", group.paths)
        try sink.objects("runs", group.members.map(MemberJSON.init))
    }

    struct MemberJSON: JSONFields {
        var member: ConflictGroup.Member
        func writeFields<Sink: JSONFieldSink>(to sink: inout Sink) throws {
            try sink.field("run", member.run)
            try sink.field("card", member.card)
        }
    }
}

/// One run of the review queue: the run as everywhere else, its card's
/// title and its readiness (null for a run with no commits of its own).
public struct ReviewEntryJSON: JSONFields {
    public var entry: ReviewQueue.Entry
    /// With the conflicts pair by pair (`review RUN --json`, one run).
    var pairs: Bool

    public init(entry: ReviewQueue.Entry, pairs: Bool = false) {
        self.entry = entry
        self.pairs = pairs
    }

    public func writeFields<Sink: JSONFieldSink>(to sink: inout Sink) throws {
        try sink.field("run", RunJSON(entry.view))
        try sink.field("title", entry.card?.title)
        try sink.field("readiness", entry.readiness.map { ReadinessJSON($0, full: true, pairs: pairs) })
    }
}

/// `review --json`: the queue, the cards with several attempts, and the
/// conflict groups its runs refer to.
public struct ReviewQueueJSON: JSONFields {
    public var queue: ReviewQueue

    public init(_ queue: ReviewQueue) { self.queue = queue }

    /// A card's attempts with `review`'s one-line comparison of each (`lines`, in the order of `runs`).
    struct AttemptsJSON: JSONFields {
        var card: Int
        var attempts: [ReviewQueue.Entry]
        var summary: String
        var now: Date
        func writeFields<Sink: JSONFieldSink>(to sink: inout Sink) throws {
            try sink.field("card", card)
            try sink.field("summary", summary)
            try sink.field("runs", attempts.map(\.view.record.id.description))
            try sink.field("lines", attempts.map { ReviewComparison.line($0, now: now) })
        }
    }

    public func writeFields<Sink: JSONFieldSink>(to sink: inout Sink) throws {
        try sink.field("queue", queue.entries.map { ReviewEntryJSON(entry: $0) })
        let now = Date()
        let cards = queue.attempts.keys.sorted().compactMap { card in
            queue.attemptEntries(of: card).map {
                AttemptsJSON(card: card, attempts: $0,
                             summary: Attempts.summary($0.map(\.view), readiness: queue.readiness), now: now)
            }
        }
        try sink.field("attempts", cards)
        let reviewed = queue.entries.compactMap(\.readiness)
        try sink.field("conflict_groups", ConflictGroups.table(reviewed).map(ConflictGroupJSON.init))
    }
}

/// `land --plan --json` and `land --json`.
public struct LandingPlanJSON: JSONFields {
    public var plan: LandingPlan

    public init(plan: LandingPlan) { self.plan = plan }

    public struct StepJSON: JSONFields {
        var step: LandingPlan.Step
        public func writeFields<Sink: JSONFieldSink>(to sink: inout Sink) throws {
            try sink.field("run", step.view.record.id.description)
            try sink.field("card", step.view.record.card)
            try sink.field("base", step.view.record.base)
            try sink.field("verdict", step.readiness.verdict.rawValue)
            try sink.field("tip", step.readiness.tip)
            try sink.field("predicted_tree", step.predictedTree)
        }
    }

    public struct HeldJSON: JSONFields {
        var held: LandingPlan.Held
        public func writeFields<Sink: JSONFieldSink>(to sink: inout Sink) throws {
            try sink.field("run", held.view.record.id.description)
            try sink.field("card", held.view.record.card)
            try sink.field("verdict", held.readiness?.verdict.rawValue)
            try sink.field("action", held.action.rawValue)
            try sink.field("reason", held.reason)
            try sink.field("blocked_by", held.blockedBy)
        }
    }

    public func writeFields<Sink: JSONFieldSink>(to sink: inout Sink) throws {
        try sink.field("order", plan.steps.map(StepJSON.init))
        try sink.field("held", plan.held.map(HeldJSON.init))
    }
}
