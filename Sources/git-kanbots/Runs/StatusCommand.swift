import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsCore
import KanbotsReview
import KanbotsStore

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "List runs with their derived state, cost and branch.",
        discussion: "By default shows active runs and the 20 most recent others; --all shows every run."
    )

    @Flag(help: "Print JSON (an array of runs).") var json = false
    @Flag(help: "Show every run.") var all = false

    func run() throws {
        let repository = try openRepository()
        // Settled runs come as summaries (their JSON from the run snapshot)
        // unless the cache is bypassed; the output is the same either way.
        let snapshot = try BoardQuery(repository).reconciledSnapshot(summarizingSettled: !RunSnapshot.isBypassed)
        var selected = snapshot.board.allRuns
        if !all {
            let active = selected.filter(\.isActive)
            let others = selected.filter { !$0.isActive }.suffix(20)
            selected = (active + others).sorted { $0.createdAt < $1.createdAt }
        }
        keepUntilExit(snapshot)
        if json {
            let renderer = RunJSONRenderer(repository, snapshot: snapshot)
            let entries = try renderer.entries(selected, readiness: BoardReadiness.of(snapshot.board, in: repository))
            let saving = snapshot.startSavingCache()
            try printJSON(entries)
            try saving?.wait()
            keepUntilExit(entries)
            reportUnreadable(snapshot.unreadable)
            return
        }
        let loader = BoardLoader(repository)
        let runs = try selected.map { try loader.view(of: $0, in: snapshot) }
        snapshot.saveCache()
        if runs.isEmpty {
            print("No runs yet. Start one with `git kanbots dispatch <card>`.")
        } else {
            print("\(column("RUN", 10)) \(column("CARD", 6)) \(column("STATE", 28)) \(column("COST", 8)) \(column("TIME", 8)) BRANCH")
            let now = Date()
            for run in runs {
                let state = run.displayState + (run.displayReason.map { " (\($0))" } ?? "")
                let elapsed = (run.record.endedAt ?? now).timeIntervalSince(run.record.startedAt ?? run.record.createdAt)
                let branch = run.observation.branchTip == nil ? "\(run.record.branch) (deleted)" : run.record.branch
                print("\(column(run.record.id.description, 10)) \(column("#\(run.record.card)", 6)) \(column(state, 28)) \(column(formatCost(run.costUSD), 8)) \(column(formatDuration(elapsed), 8)) \(branch)")
            }
        }
        reportUnreadable(snapshot.unreadable)
    }
}
