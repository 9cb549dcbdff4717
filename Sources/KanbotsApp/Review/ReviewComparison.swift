import Foundation
import KanbotsCore
import KanbotsReview

/// The one-line comparison of a run in the review queue: verdict, checks,
/// tested, diffstat, conflicts, cost, age. `review` prints it under each
/// card with several attempts, and `review --json` carries the same lines,
/// so the web board compares attempts with the CLI's words, not its own.
public enum ReviewComparison {
    public static func line(_ entry: ReviewQueue.Entry, now: Date = Date()) -> String {
        facts(entry, now: now).joined(separator: " · ")
    }

    public static func facts(_ entry: ReviewQueue.Entry, now: Date = Date()) -> [String] {
        let record = entry.view.record
        var facts = ["run \(record.id)", record.agent + (record.model.map { "/\($0)" } ?? "")]
        if entry.view.column != .inReview {
            facts.append(entry.view.displayState + (entry.view.displayReason.map { " (\($0))" } ?? ""))
        } else if let r = entry.readiness {
            facts.append(r.verdict.rawValue + (r.verdict == .behind ? " \(r.behind)" : ""))
            facts.append("checks \(r.checks.map(checkMark) ?? "–")")
            facts.append("tested \(r.agentTested?.label ?? "?")")
            facts.append("+\(r.linesAdded)/-\(r.linesRemoved) in \(r.files.count) file\(r.files.count == 1 ? "" : "s")")
            facts.append("\(r.group.rawValue), \(r.risk.rawValue) risk")
            if let path = r.conflicts.first?.paths.first {
                // Each other card once, however many runs: `conflicts with #2, #5 (3 runs, app.txt)`.
                let cards = r.conflictingCards
                facts.append(cards.hasSuffix(" runs)") ? "conflicts with \(cards.dropLast()), \(path))"
                             : "conflicts with \(cards) (\(path))")
            }
            if !r.baseConflicts.isEmpty { facts.append("conflicts with \(record.base) (\(r.baseConflicts[0]))") }
        } else {
            facts.append(entry.view.note ?? "no commits")
        }
        facts.append(formatCost(entry.view.costUSD))
        facts.append(formatDuration(now.timeIntervalSince(record.endedAt ?? record.createdAt)) + " ago")
        return facts
    }

    public static func checkMark(_ outcome: ChecksOutcome) -> String {
        switch outcome {
        case .passed: "✓"
        case .failed: "✗"
        case .timedOut: "timed out"
        }
    }
}

extension ReviewQueue {
    /// The attempts of `card` as queue entries, when it has several: those
    /// not In review (failed, cancelled, running) have no readiness.
    public func attemptEntries(of card: Int) -> [Entry]? {
        guard let attempts = attempts(of: card) else { return nil }
        let title = entries.first { $0.view.record.card == card }?.card
        return attempts.map { attempt in
            entries.first { $0.view.record.id == attempt.record.id }
                ?? Entry(view: attempt, card: title, readiness: nil)
        }
    }
}
