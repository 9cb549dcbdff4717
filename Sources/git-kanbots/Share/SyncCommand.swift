import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsStore

struct SyncCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Share cards, run history and notes with a remote: fetch, merge, push.",
        discussion: """
            Fetches the remote's refs/kanbots/* and refs/notes/kanbots into \
            refs/kanbots-remotes/<remote>/, merges them into this clone's state (runs of other \
            clones appear on the board with their origin; diverged records and notes are merged, \
            never dropped), then pushes what the remote lacks, fast-forward only. When another \
            clone pushed in between, it goes round again (up to three times). A sync with \
            nothing new changes nothing.

            Only refs travel: records, and the transcript attached to a finished run's record, \
            which was redacted when it was stored. The live transcript, locks and everything \
            else under .git/kanbots stay on this machine, and run branches are not pushed \
            (`git kanbots promote` does that). Plain git works too: see docs/sharing.md for \
            the refspecs and the merge rules.

            When the repository is on GitHub (its remote, or `kanbots.github.repo`) and runs \
            were promoted to pull requests or cards imported from there, sync then asks GitHub \
            what `board --refresh` asks (merged pull requests move their cards to Done, status \
            labels follow the columns) and shares what that changed. A failure \
            there is a warning: the history was synced all the same.
            """
    )

    @Argument(help: "The remote to sync with (default: origin, or the only remote).")
    var remote: String?

    @Flag(help: "Fetch and merge only; push nothing.") var noPush = false
    @Flag(help: "Do not ask GitHub about pull requests and labels.") var noGithub = false
    @Flag(help: "Print the summary as JSON.") var json = false

    func run() throws {
        let repository = try openInitializedRepository()
        var report = try Synchronizer(repository, remote: remote).sync(push: !noPush)
        let forge = noGithub ? [] : refreshFromGitHub(repository)
        if !forge.isEmpty, !noPush {
            // Share what GitHub changed (runs now merged) in the same command.
            let again = try Synchronizer(repository, remote: remote).sync(push: true)
            report.pushed += again.pushed.filter { !report.pushed.contains($0) }
            report.rejected = again.rejected
            report.rounds += again.rounds
        }
        if json { return try printJSON(SyncJSON(report)) }
        forge.forEach { print($0) }
        func describe(_ tally: Synchronizer.Tally, _ noun: String) -> String? {
            guard tally.changed > 0 else { return nil }
            let parts = [(tally.created, "new"), (tally.fastForwarded, "updated"), (tally.merged, "merged")]
                .filter { $0.0 > 0 }.map { "\($0.0) \($0.1)" }
            return "\(noun): " + parts.joined(separator: ", ")
        }
        let merged = [describe(report.runs, "runs"), describe(report.cards, "cards"), describe(report.other, "other")]
            .compactMap { $0 } + (report.notes.map { [.created, .fastForwarded, .merged].contains($0) ? ["notes: \($0)"] : [] } ?? [])
        print(merged.isEmpty ? "from \(report.remote): nothing new" : "from \(report.remote): " + merged.joined(separator: "; "))
        for (from, to) in report.renumbered {
            print("card \(from) of this clone is now card \(to): \(report.remote) already had a different card \(from)")
        }
        for ref in report.clashes {
            print("not merged: \(ref) exists here and on \(report.remote) with unrelated histories "
                + "(two clones share a clone tag?); see docs/sharing.md")
        }
        if !noPush {
            print(report.pushed.isEmpty ? "to \(report.remote): nothing to push" : "to \(report.remote): pushed \(report.pushed.count) ref(s)")
        }
        if !report.rejected.isEmpty {
            throw KanbotsError.io("\(report.remote) rejected \(report.rejected.count) ref(s) after \(report.rounds) rounds "
                + "(\(report.rejected[0].ref): \(report.rejected[0].summary)); other clones keep pushing: run `git kanbots sync` again")
        }
    }
}

/// `board --refresh`'s questions to GitHub, as a step of sync: lines of
/// what changed; a failure is a warning, since the sync itself succeeded.
private func refreshFromGitHub(_ repository: KanbotsRepository) -> [String] {
    // No GitHub repository to ask (the remote is elsewhere and none is
    // configured): nothing could have been promoted or imported from there,
    // so the records are not even read.
    guard (try? GitHubConnection(repository).target()) != nil else { return [] }
    do {
        return try GitHubRefresh(repository: repository).run()
    } catch {
        FileHandle.standardError.write(Data("git-kanbots: warning: could not refresh from GitHub: \(error)\n".utf8))
        return []
    }
}
