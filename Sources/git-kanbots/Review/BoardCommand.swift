import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsAutopilot
import KanbotsCore
import KanbotsReview
import KanbotsStore

struct BoardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "board",
        abstract: "Show the board: Todo, In progress, In review, Done, derived from the runs.",
        discussion: """
            A card's column is computed from its latest run's recorded state, whether its \
            branch exists and is ahead of its base, and whether its supervisor is alive. A run \
            whose supervisor died shows as lost and is recorded as failed on the spot.
            """
    )

    @Flag(help: "Print JSON (cards, runs and columns).") var json = false
    @Flag(help: "Redraw every few seconds until interrupted.") var watch = false
    @Option(help: "Seconds between redraws with --watch.") var interval: Double = 2
    @Flag(help: "Show Backlog and Done cards in full.") var all = false
    @Flag(help: "First ask GitHub about promoted runs' pull requests and mirror status labels (docs/github.md).")
    var refresh = false

    func run() throws {
        let repository = try openRepository()
        if refresh {
            let changes = try GitHubRefresh(repository: repository).run()
            if !json { changes.forEach { print($0) } }
        }
        repeat {
            let result = try BoardQuery(repository).load()
            let (snapshot, sessions, readiness) = (result.snapshot, result.sessions, result.readiness)
            if !watch { keepUntilExit(result) }
            if json {
                let document = try result.json()
                // The snapshot (renderings made just now) is written while the board prints.
                let saving = snapshot.startSavingCache()
                try printJSON(document)
                try saving?.wait()
                if !watch { keepUntilExit(document) }
            } else {
                if watch { print("\u{1B}[H\u{1B}[2J", terminator: "") }
                print(BoardText.render(snapshot.board, all: all, readiness: readiness))
                snapshot.saveCache()
                // Sessions still going (or lost) get a line; finished ones are in `autopilot status --all`.
                for session in sessions where session.session.state.isActive { print(SessionText.line(session)) }
            }
            reportUnreadable(snapshot.unreadable)
            if watch { Thread.sleep(forTimeInterval: max(0.2, interval)) }
        } while watch
    }
}

/// The board as text: one block per column, one line per card.
enum BoardText {
    static func render(_ board: Board, all: Bool, readiness: [RunID: Readiness] = [:], now: Date = Date()) -> String {
        var lines: [String] = []
        for column in Column.allCases {
            let cards = board.cards(in: column)
            if column == .backlog, cards.isEmpty { continue }
            lines.append("\(column.title) (\(cards.count))")
            let shown = (column == .done && !all) ? Array(cards.suffix(5)) : cards
            if shown.count < cards.count { lines.append("  … \(cards.count - shown.count) more (--all)") }
            for entry in shown {
                lines.append("  " + line(for: entry, readiness: entry.latestRun.flatMap { readiness[$0.record.id] }, now: now))
            }
        }
        return lines.joined(separator: "\n")
    }

    static func line(for entry: BoardCard, readiness: Readiness? = nil, now: Date) -> String {
        let title = column(entry.card?.title ?? "(no card record)", 36)
        var facts: [String] = []
        if let run = entry.latestRun {
            var state = run.displayState
            if let reason = run.displayReason { state += " (\(reason))" }
            facts.append(state)
            facts.append("run \(run.record.id)")
            if let started = run.record.startedAt ?? Optional(run.record.createdAt) {
                facts.append(formatDuration((run.record.endedAt ?? now).timeIntervalSince(started)))
            }
            if let ahead = run.observation.ahead, let behind = run.observation.behind {
                facts.append("+\(ahead)/-\(behind)")
            }
            facts.append(formatCost(entry.totalCostUSD) + (run.record.isMetered ? "" : " unmetered"))
            if entry.column == .inReview, let readiness { facts.append(readiness.shortLabel) }
            if let note = run.note, run.displayReason == nil || !note.contains(run.displayReason!) { facts.append(note) }
        } else if let note = entry.note {
            facts.append(note)
        }
        if !entry.waitsFor.isEmpty {
            facts.append("waits for " + entry.waitsFor.map { "#\($0)" }.joined(separator: ","))
        } else if let after = entry.card?.after, !after.isEmpty {
            facts.append("after " + after.map { "#\($0)" }.joined(separator: ","))
        }
        if let session = entry.latestRun?.record.extraValue(AutopilotSession.runField) {
            facts.append("autopilot \(session)")
        }
        var text = "#\(column(String(entry.number), 5)) \(title) \(facts.joined(separator: " · "))"
        if let run = entry.latestRun, let failure = AgentErrorText.boardLine(run.record) ?? EnvironmentText.boardLine(run.record) {
            text += "\n         " + failure
        }
        if let run = entry.latestRun, let question = run.record.openQuestion {
            // The decision is on the card: the question, its choices, how to answer.
            let lines = DecisionText.lines(question, decideAfter: run.record.decideAfter, now: now)
            text += "\n" + lines.map { "         " + $0 }.joined(separator: "\n")
                + "\n         answer: git kanbots answer \(run.record.id) N|TEXT"
        }
        return text
    }
}
