import ArgumentParser
import KanbotsApp
import KanbotsStore

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Set up this repository for git-kanbots (safe to run again).",
        discussion: """
            Installs the pre-push hook that keeps run branches local (an existing pre-push hook \
            is kept and still runs; core.hooksPath is honoured), adds .kanbots/ to \
            .git/info/exclude, and records defaults under kanbots.* in git config \
            (see them with `git config --get-regexp '^kanbots\\.'`). Works from any worktree.
            """
    )

    func run() throws {
        let repository = try openRepository()
        let changes = try AgentActions(repository).setUpRepository()
        if changes.isEmpty {
            print("git-kanbots is already set up in \(repository.workingDirectory); nothing changed.")
        } else {
            print("Set up git-kanbots in \(repository.workingDirectory):")
            for change in changes { print("  \(change)") }
        }
    }
}
