import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsCore
import KanbotsReview
import KanbotsStore

struct ReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "The review queue: every run In review, ready first, with what blocks the others.",
        discussion: """
            Readiness is derived from git alone, like the board: the run's change against its merge \
            base, whether it still merges onto its base's tip (an in-memory merge: no worktree, index \
            or ref is touched), conflicts with every other run In progress or In review, scope, risk \
            (kanbots.review.risky globs), and the recorded checks. The verdict is the first that \
            applies of checks-failed, out-of-scope, conflicts-with-base, conflicts, behind, ready.

            Ready runs come first, similar changes together (tests, docs, code, risky), low risk \
            before high. Runs of one card are attempts: never conflicts of each other, listed \
            under their card with a count (\"3 attempts: 2 ready, 1 failed\") and one line each. With RUN, shows that run in full: reasons, diffstat, the tail of its checks \
            log, the agent's final message, its cost, and the commands to type next. Predictions are \
            cached by commit ids in .git/kanbots/cache/ (safe to delete). See docs/review.md.
            """
    )

    @Argument(help: "A run to show in full (e.g. 7-k3qz, or 7 when unambiguous).") var runID: String?
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let repository = try openInitializedRepository()
        let queue = try ReviewQueue.load(repository)
        if let runID {
            try showOne(try resolveRun(runID, in: repository), queue: queue, repository: repository)
        } else if json {
            try printJSON(ReviewQueueJSON(queue))
        } else if queue.entries.isEmpty {
            print("Nothing in review. `git kanbots board` shows what is in progress.")
        } else {
            ReviewText.lines(queue).forEach { print($0) }
            let ready = queue.entries.filter { $0.readiness?.verdict == .ready || $0.readiness?.verdict == .behind }
            if !ready.isEmpty { print("\n\(ready.count) can land: `git kanbots land --plan`, then `git kanbots land --ready`") }
        }
        reportUnreadable(queue.unreadable)
    }

    private func showOne(_ id: RunID, queue: ReviewQueue, repository: KanbotsRepository) throws {
        let (entry, readiness) = try queue.review(id, in: repository)
        if json { return try printJSON(ReviewEntryJSON(entry: entry, pairs: true)) }
        let view = entry.view, record = view.record
        let detail = RunReviewDetail.load(record, in: repository)
        let title = entry.card?.title ?? "(no card record)"
        print("run \(id) · card #\(record.card) \(title) · \(view.displayState)")
        print("  verdict    \(readiness.verdict.rawValue) (\(readiness.shortLabel))")
        for reason in readiness.reasons { print("             - \(reason)") }
        print("  agent      \(record.agent)\(record.model.map { " · \($0)" } ?? "")")
        print("  checks     \(readiness.checks?.rawValue ?? "not run")  ·  agent tested: \(readiness.agentTested?.label ?? "unknown")")
        print("  risk       \(readiness.risk.rawValue) (\(readiness.group.rawValue))"
              + (readiness.riskReasons.isEmpty ? "" : ": " + readiness.riskReasons.joined(separator: "; ")))
        print("  cost       \(formatCost(view.costUSD))\(record.capUSD.map { " of \(formatCost($0)) cap" } ?? "")")
        print("  change     \(readiness.files.count) files, +\(readiness.linesAdded) -\(readiness.linesRemoved), "
              + "\(readiness.behind) behind \(record.base)")
        for file in readiness.files {
            print("    \(column(file.status, 9)) +\(file.linesAdded) -\(file.linesRemoved)\t\(file.path)")
        }
        if let tail = detail.checksLogTail, !tail.isEmpty {
            print("  checks log (tail)")
            tail.split(separator: "\n", omittingEmptySubsequences: false).forEach { print("    " + $0) }
        }
        if let message = detail.finalMessage {
            print("  agent's final message")
            message.split(separator: "\n", omittingEmptySubsequences: false).prefix(20).forEach { print("    " + $0) }
        }
        print("  next")
        print("    git kanbots diff \(id)            the change, through git diff")
        print("    git kanbots open \(id)            its worktree in your editor")
        print("    git kanbots land \(id)            merge it into \(record.base)")
        print("    git kanbots reply \(id) \"...\"     ask the agent for changes")
        print("    git kanbots discard \(id)         drop it")
    }
}

/// The review queue as text: one line per run. A card with several
/// attempts gets a line of its own, with its attempts (failed ones too)
/// below it, where its best attempt stands in the queue.
enum ReviewText {
    static func lines(_ queue: ReviewQueue, now: Date = Date()) -> [String] {
        var lines: [String] = []
        var shown = Set<Int>()
        for entry in queue.entries {
            let card = entry.view.record.card
            guard let attempts = queue.attemptEntries(of: card) else {
                lines.append(line(entry, now: now))
                continue
            }
            guard shown.insert(card).inserted else { continue }
            lines.append("#\(column(String(card), 5)) \(column(entry.card?.title ?? "(no card record)", 30)) "
                         + Attempts.summary(attempts.map(\.view), readiness: queue.readiness))
            lines += attempts.map { "       attempt " + ReviewComparison.line($0, now: now) }
        }
        return lines
    }

    static func line(_ entry: ReviewQueue.Entry, now: Date = Date()) -> String {
        "#\(column(String(entry.view.record.card), 5)) \(column(entry.card?.title ?? "(no card record)", 30)) "
            + ReviewComparison.line(entry, now: now)
    }
}
