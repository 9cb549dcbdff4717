import ArgumentParser
import KanbotsApp

/// `--scope`, `--check` and `--setup` on `card new` and `card edit`: what a
/// card's work may touch, what proves it (docs/review.md) and what prepares
/// its worktree (docs/environment.md).
struct CardReviewOptions: ParsableArguments {
    @Option(name: .customLong("scope"), help: ArgumentHelp(
        "A path the card's work may touch, as a gitignore-style glob ('Sources/API/**', '*.sql'); repeatable.",
        discussion: "Writes outside are flagged while the agent works (kanbots.scope-policy = warn|stop), and autopilot never runs two cards with overlapping scopes at once."))
    var scope: [String] = []
    @Flag(name: .customLong("clear-scope"), help: "Drop the card's scope (its work may touch anything).")
    var clearScope = false
    @Option(name: .customLong("check"), help: ArgumentHelp(
        "A shell command that proves the card's work, run after the repository's kanbots.check commands; repeatable."))
    var checks: [String] = []
    @Flag(name: .customLong("clear-checks"), help: "Drop the card's own checks.")
    var clearChecks = false
    @Option(name: .customLong("setup"), help: ArgumentHelp(
        "A shell command that prepares a new worktree for the card's runs, run after the repository's kanbots.setup commands and before the agent starts; repeatable.",
        discussion: "See docs/environment.md: it runs with /bin/sh -c in the run's worktree, with KANBOTS_PORT and the run's other variables."))
    var setup: [String] = []
    @Flag(name: .customLong("clear-setup"), help: "Drop the card's own setup commands.")
    var clearSetup = false

    /// Clears first, then adds (so `--clear-scope --scope X` replaces).
    func apply(to edit: inout CardEdit) {
        edit.scope = scope
        edit.clearScope = clearScope
        edit.checks = checks
        edit.clearChecks = clearChecks
        edit.setup = setup
        edit.clearSetup = clearSetup
    }
}
