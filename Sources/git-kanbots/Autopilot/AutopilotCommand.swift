import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsAutopilot
import KanbotsCore
import KanbotsStore

struct AutopilotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "autopilot",
        abstract: "Keep N agents busy on the Todo column within a budget, unattended.",
        discussion: """
            `autopilot start` launches a detached orchestrator that dispatches Todo cards in rank \
            order (`card edit N --rank K`), honouring dependencies (`card edit N --after M`), \
            round-robining personas, until the session's live spend reaches --budget. Its story is \
            kept in git: `git log refs/kanbots/sessions/<id>`. See docs/autopilot.md.
            """,
        subcommands: [
            AutopilotStartCommand.self, AutopilotStatusCommand.self, AutopilotStopCommand.self,
            AutopilotResumeCommand.self, AutopilotQACommand.self,
        ]
    )
}

/// Parses `--cards`: numbers and ranges, `3,5,8-12`.
func parseCardQuery(_ text: String) throws -> [Int] {
    var numbers: [Int] = []
    for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
        let ends = part.split(separator: "-", maxSplits: 1).map(String.init)
        let low = try parseCardNumber(ends[0])
        let high = ends.count == 2 ? try parseCardNumber(ends[1]) : low
        guard low <= high else { throw KanbotsError.invalidArgument("card range '\(part)' runs backwards") }
        numbers += Array(low...high)
    }
    guard !numbers.isEmpty else {
        throw KanbotsError.invalidArgument("--cards needs card numbers or ranges, such as 3,5,8-12")
    }
    return numbers
}
