import KanbotsCore

/// The `status:*` labels that mirror a card's derived column on its GitHub
/// issue. The board decides the column; these only report it.
public enum StatusLabels {
    public static let prefix = "status:"

    /// The label for a column; nil for Todo and Backlog (no status label).
    public static func label(for column: Column) -> String? {
        switch column {
        case .backlog, .todo: nil
        case .inProgress: "status:in-progress"
        case .inReview: "status:in-review"
        case .done: "status:done"
        }
    }

    /// Colours and descriptions used when a label has to be created.
    public static func style(of label: String) -> (color: String, description: String) {
        switch label {
        case "status:in-progress": ("fbca04", "git-kanbots: an agent is working on it")
        case "status:in-review": ("0e8a16", "git-kanbots: work is ready for review")
        default: ("5319e7", "git-kanbots: done")
        }
    }

    public struct Change: Equatable, Sendable {
        public var remove: [String]
        public var add: String?
        public var isEmpty: Bool { remove.isEmpty && add == nil }
    }

    /// What to do to an issue that has `current` labels so that exactly
    /// `desired` (or no status label) remains: every other `status:` label
    /// goes, so they never pile up.
    public static func change(current: [String], desired: String?) -> Change {
        let remove = current.filter { $0.hasPrefix(prefix) && $0 != desired }
        let add = desired.flatMap { current.contains($0) ? nil : $0 }
        return Change(remove: remove, add: add)
    }
}
