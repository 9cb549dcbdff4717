/// Builds what an agent is told: the card, its role, and where it works.
public enum Prompt {
    public static let defaultPersona = "engineer"

    /// Built-in personas; users add their own in git config
    /// (`kanbots.persona.<name>`).
    public static let builtInPersonas: [String: String] = [
        "engineer": "You are a careful software engineer. Make the smallest change that fully solves the task, with tests.",
        "product-author": "You are a product author. Turn the task into a clear, testable specification in the repository's docs.",
        "reviewer": "You are a code reviewer. Review the branch against the card as its specification; fix what is wrong.",
        "tester": "You are a tester. Add or improve tests that pin down the behaviour the card asks for.",
    ]

    public static func text(card: Card, record: RunRecord, personaText: String) -> String {
        var lines = [
            personaText,
            "",
            "Task (card \(card.number)): \(card.title)",
        ]
        if !card.body.isEmpty { lines += ["", card.body] }
        lines += [
            "",
            "You work in the git worktree \(record.worktree) on branch \(record.branch), created from \(record.base).",
            "Commit your work on this branch. Do not push, and do not switch branches: a human reviews and promotes it.",
        ]
        if !card.scope.isEmpty {
            lines += [
                "",
                "Scope: change only files matching these paths (gitignore-style globs): "
                    + card.scope.joined(separator: ", ") + ".",
                "Writes outside them are flagged for the reviewer and may end the run.",
            ]
        }
        return lines.joined(separator: "\n")
    }
}
