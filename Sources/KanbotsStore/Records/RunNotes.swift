import KanbotsCore
import KanbotsGit

/// Notes under `refs/notes/kanbots` saying which run made a commit: one
/// `kanbots-run: <id> agent=<a> model=<m>` line per run, lines kept sorted
/// and unique so `git notes merge -s cat_sort_uniq` merges clones cleanly.
public struct RunNotes {
    let repository: KanbotsRepository

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    public static func line(for record: RunRecord) -> String {
        "kanbots-run: \(record.id) card=\(record.card) agent=\(record.agent) model=\(record.model ?? "default")"
    }

    /// Adds the run's line to the note of every commit the run made
    /// (base..branch tip), in one compare-and-swap of the notes ref.
    @discardableResult
    public func annotate(_ record: RunRecord) throws -> Int {
        let git = repository.git
        guard let tip = try git.referenceTarget("refs/heads/" + record.branch),
              let base = ObjectID(hex: record.startCommit) else { return 0 }
        let commits = try git.commits(from: tip, excluding: base)
        guard !commits.isEmpty else { return 0 }
        let line = Self.line(for: record)
        let notesRef = KanbotsRepository.notesRef
        return try Contention.retrying(ref: notesRef) {
            let parent = try git.referenceTarget(notesRef)
            var changed = 0
            let newTip = try git.notesCommit(parent: parent, objects: commits, signature: git.defaultSignature()) { _, old in
                let text = Self.union([old ?? "", line])
                if text != old { changed += 1 }
                return text
            }
            guard let newTip else { return 0 }
            try git.updateReference(notesRef, to: newTip, expecting: parent, message: "kanbots: note run \(record.id)")
            return changed
        }
    }

    /// The sorted unique lines of several notes: the one format every writer
    /// (and `git notes merge -s cat_sort_uniq`) agrees on.
    static func union(_ texts: [String]) -> String {
        let lines = Set(texts.flatMap { $0.split(separator: "\n").map(String.init) })
        return lines.sorted().joined(separator: "\n") + "\n"
    }
}
