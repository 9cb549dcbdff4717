import ArgumentParser
import KanbotsCore
import KanbotsStore

/// `--scope` and `--check` on `card new` and `card edit`: what a card's work
/// may touch and what proves it (docs/review.md).
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

    func checkValues() throws {
        for glob in scope where glob.trimmingCharacters(in: .whitespaces).isEmpty || glob.contains("\n") {
            throw KanbotsError.invalidArgument("--scope '\(glob)' is not a path glob; give one like 'Sources/API/**'")
        }
        for check in checks where check.trimmingCharacters(in: .whitespaces).isEmpty || check.contains("\n") {
            throw KanbotsError.invalidArgument("--check needs a one-line shell command, like --check 'swift test'")
        }
    }

    /// Clears first, then adds (so `--clear-scope --scope X` replaces).
    func apply(to card: inout Card) {
        if clearScope { card.scope = [] }
        if clearChecks { card.checks = [] }
        for glob in scope where !card.scope.contains(glob) { card.scope.append(glob) }
        for check in checks where !card.checks.contains(check) { card.checks.append(check) }
    }
}
