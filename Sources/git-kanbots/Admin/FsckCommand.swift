import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsStore

struct FsckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fsck",
        abstract: "Check that no run is hidden: unreadable run refs, orphaned branches, stray or missing worktrees, dangling notes.",
        discussion: """
            Every finding comes with the one command that fixes it. The exit status is 1 when \
            anything is found (after --repair: when anything is left), so scripts can tell.

            A loose ref file git cannot parse is reported even when packed-refs still has a \
            value for the ref: as in git, the loose file wins, and that packed value is stale.

            --repair gives every run whose record cannot be read a readable one again: from \
            the last good record in its ref's reflog, else from the packed value a damaged \
            loose file hides (said so), else rebuilt from its branch and the branch's notes \
            (state completed or failed, reason recovered). Card refs and refs/notes/kanbots go \
            back to their reflog's last entry, or else their packed value. It never deletes \
            anything: an unreadable ref file is moved to .git/kanbots/fsck/, and stray \
            worktrees and notes are only reported. docs/state-format.md ("Checking and \
            repairing") has the rules. `git fsck` checks git's own objects; this checks \
            git-kanbots' state on top of them.
            """
    )

    @Flag(help: "Rebuild unreadable or missing run records (never deletes anything).") var repair = false
    @Flag(help: "Print JSON (findings, repairs and whether the state is clean).") var json = false

    func run() throws {
        let repository = try openRepository()
        let checkup = Checkup(repository)
        let found = try checkup.findings()
        let actions = repair ? CheckupRepair(repository).repair(found) : []
        let remaining = repair ? try checkup.findings() : found
        if json {
            try printJSON(FsckJSON(findings: found, repairs: actions, remaining: remaining))
        } else {
            for finding in found {
                print("\(finding.kind.rawValue): \(finding.subject): \(finding.detail)")
                print("  fix: \(finding.fix)")
            }
            for action in actions { print("\(action.repaired ? "repaired" : "not repaired"): \(action.description)") }
            if found.isEmpty {
                print("ok: every run is readable, every run branch has its record, worktrees and notes match")
            } else if repair {
                print(remaining.isEmpty ? "ok: everything found was repaired" : "\(remaining.count) problem(s) left")
            } else {
                print("\(found.count) problem(s); `git kanbots fsck --repair` rebuilds the records it can")
            }
        }
        if !remaining.isEmpty { throw ExitCode(1) }
    }
}
