extension RunState {
    /// How far along the lifecycle a state is. When two clones recorded
    /// different transitions of one run, the further one wins: a run that
    /// one clone saw completed and another discarded is discarded, never
    /// "running" again.
    public var progress: Int {
        switch self {
        case .queued: 0
        case .running, .awaitingDecision: 1
        case .completed, .failed, .cancelled: 2
        case .discarded, .promoted, .superseded: 3
        case .merged: 4
        }
    }
}

extension RunRecord {
    /// Whether this version of a run's record wins over `other` when two
    /// clones' chains diverged: the more advanced state, then the later
    /// `Updated`, then (a tie that only identical clocks produce) the larger
    /// message text. Total and symmetric, so every clone picks the same one.
    public func supersedes(_ other: RunRecord) -> Bool {
        if state.progress != other.state.progress { return state.progress > other.state.progress }
        if updatedAt != other.updatedAt { return updatedAt > other.updatedAt }
        return message.text > other.message.text
    }

    /// The record of a merge of two diverged versions of one run
    /// (docs/sharing.md, "Merge rules"): the winning version's fields, with
    /// the figures that only grow taken from both, so a merge never loses a
    /// dollar or a turn that one side metered. Symmetric: `merged(a, b) ==
    /// merged(b, a)`.
    public static func merged(_ one: RunRecord, _ other: RunRecord) -> RunRecord {
        let (winner, loser) = one.supersedes(other) ? (one, other) : (other, one)
        var result = winner
        result.costUSD = max(winner.costUSD, loser.costUSD)
        result.turns = [winner.turns, loser.turns].compactMap { $0 }.max()
        result.startedAt = [winner.startedAt, loser.startedAt].compactMap { $0 }.min()
        if result.state.isFinished { result.endedAt = winner.endedAt ?? loser.endedAt }
        result.sessionID = winner.sessionID ?? loser.sessionID
        result.updatedAt = max(winner.updatedAt, loser.updatedAt)
        for field in loser.extra where !result.extra.contains(where: { $0.key == field.key }) {
            result.extra.append(field)
        }
        return result
    }
}
