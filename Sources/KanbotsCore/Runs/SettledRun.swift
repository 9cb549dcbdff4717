/// A run nothing can change but a new tip of its ref: finished, and its
/// branch gone. Its column, note and JSON follow from its record alone, so
/// the board carries it as this summary (what a card's count and cost need)
/// and front ends render it from a cache keyed by the ref's tip.
public struct SettledRun: Sendable, Equatable {
    public var id: RunID
    public var card: Int
    public var createdAt: Date
    public var costUSD: Double

    public init(id: RunID, card: Int, createdAt: Date, costUSD: Double) {
        self.id = id
        self.card = card
        self.createdAt = createdAt
        self.costUSD = costUSD
    }

    /// Whether a finished run with this branch situation is settled.
    public static func isSettled(_ record: RunRecord, branchExists: Bool) -> Bool {
        !record.state.isActive && !branchExists
    }

    /// A card's cost, summed in run order as the full projection sums it, so
    /// both print the same digits.
    static func totalCost(_ views: [RunView], _ settled: [SettledRun]) -> Double {
        guard !settled.isEmpty else { return views.reduce(0) { $0 + $1.costUSD } }
        let all = views.map { ($0.record.createdAt, $0.record.id, $0.costUSD) } + settled.map { ($0.createdAt, $0.id, $0.costUSD) }
        return all.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.reduce(0) { $0 + $1.2 }
    }
}

/// A run in the board's order, whether the board holds its full view or
/// only its summary.
public enum BoardRun: Sendable {
    /// Boxed: a run's view is hundreds of bytes, and a board of ten
    /// thousand runs, mostly settled, would otherwise copy that much per run.
    indirect case view(RunView)
    case settled(SettledRun)

    public var isActive: Bool {
        if case .view(let view) = self { return view.record.state.isActive }
        return false
    }

    public var createdAt: Date {
        switch self {
        case .view(let view): view.record.createdAt
        case .settled(let run): run.createdAt
        }
    }
}

extension Board {
    /// Every run, oldest first: `runs` and `settled` merged in the order the
    /// full projection sorts them.
    public var allRuns: [BoardRun] {
        var merged: [BoardRun] = []
        merged.reserveCapacity(runs.count + settled.count)
        var viewIndex = 0, settledIndex = 0
        while viewIndex < runs.count || settledIndex < settled.count {
            if settledIndex == settled.count
                || (viewIndex < runs.count
                    && (runs[viewIndex].record.createdAt, runs[viewIndex].record.id)
                        < (settled[settledIndex].createdAt, settled[settledIndex].id)) {
                merged.append(.view(runs[viewIndex]))
                viewIndex += 1
            } else {
                merged.append(.settled(settled[settledIndex]))
                settledIndex += 1
            }
        }
        return merged
    }
}
