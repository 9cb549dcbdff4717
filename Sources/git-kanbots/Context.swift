import Foundation
import KanbotsApp
import KanbotsCore
import KanbotsStore

/// Prints a read command's `--json` output (see JSONOutput for its form).
func printJSON<T: Encodable>(_ value: T) throws {
    try JSONOutput.write(value, to: STDOUT_FILENO)
}

/// Prints the run `dispatch` or `reply` started: where it works, or its JSON.
func printStarted(_ record: RunRecord, in repository: KanbotsRepository, json: Bool) throws {
    if json { return try printJSON(StartedRunJSON(record, in: repository)) }
    if record.executor.isRemote {
        print("run \(record.id) submitted to \(record.executor.rawValue) on card #\(record.card) with \(record.agent)")
        print("  job      \(record.jobName) (its record, transcript and branch arrive with `git kanbots sync`)")
        return
    }
    print("run \(record.id) started on card #\(record.card) with \(record.agent)"
          + (record.replyTo.map { ", continuing run \($0)" } ?? ""))
    print("  branch   \(record.branch)")
    print("  worktree \(repository.absolutePath(record.worktree))")
}

/// Values kept until the process exits; see `keepUntilExit`.
nonisolated(unsafe) private var keptUntilExit: [Any] = []

/// Keeps a large value alive until the process exits, as git's `UNLEAK`
/// does: freeing a board of ten thousand runs object by object takes
/// milliseconds, and a read command ends right after printing it anyway.
func keepUntilExit(_ value: Any) { keptUntilExit.append(value) }

/// Pads or cuts text to a column width, counting characters.
func column(_ text: String, _ width: Int) -> String {
    text.count > width ? String(text.prefix(width - 1)) + "…" : text + String(repeating: " ", count: width - text.count)
}

/// Warnings about records that could not be read, one line each on stderr.
func reportUnreadable(_ errors: [KanbotsError]) {
    for error in errors { FileHandle.standardError.write(Data("warning: \(error)\n".utf8)) }
}

/// Prints what mirroring status labels to GitHub changed, and its warning if it failed.
func report(_ mirrored: GitHubCards.Mirrored, quiet: Bool = false) {
    if !quiet { for line in mirrored.lines { print("  \(line)") } }
    if let warning = mirrored.warning { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
}
