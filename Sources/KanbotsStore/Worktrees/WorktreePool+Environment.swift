import KanbotsCore

/// What the pool keeps about an entry's prepared environment
/// (docs/environment.md, "The pool prepares environments").
extension WorktreePool {
    /// `Setup-Source` of a run whose worktree came prepared from the pool.
    public static let preparedSource = "pool"

    /// Where an entry's setup left absolute paths of the entry's folder,
    /// kept in its registration (`.git/worktrees/<name>/kanbots-relocation`)
    /// so it moves with the entry when a dispatch claims it: the first line
    /// is the folder the setup ran in, each further line a file (relative)
    /// that names it.
    public struct Relocation: Sendable, Equatable {
        public static let fileName = "kanbots-relocation"
        public var preparedAt: String
        public var files: [String]

        public init(preparedAt: String, files: [String]) {
            self.preparedAt = preparedAt
            self.files = files
        }

        public static func read(registration: String) -> Relocation? {
            guard let text = try? String(contentsOfFile: registration + "/" + fileName, encoding: .utf8) else { return nil }
            let lines = text.split(separator: "\n").map(String.init)
            guard let first = lines.first else { return nil }
            return Relocation(preparedAt: first, files: Array(lines.dropFirst()))
        }

        public var text: String { ([preparedAt] + files).joined(separator: "\n") + "\n" }
    }
}

/// Prepares the environment of pool entries (KanbotsEnvironment's
/// `PoolEnvironment`): the pool calls it after checking an entry out, while
/// the entry cannot be claimed yet.
public protocol PoolEntryPreparing {
    /// A new entry, just checked out at the base.
    func prepareNew(worktree: String, registration: String) -> PreparationResult
    /// An entry just moved to a new base.
    func refresh(worktree: String, registration: String) -> PreparationResult
}

/// What preparing a pool entry's environment did.
public enum PreparationResult: Sendable, Equatable {
    /// The setup ran and succeeded.
    case setUp
    /// Nothing it depends on changed: no setup ran.
    case unchanged
    /// It failed: the entry stays in the pool unprepared, and a dispatch
    /// that takes it prepares the environment itself.
    case failed
}
