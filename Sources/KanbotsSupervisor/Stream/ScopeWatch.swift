import KanbotsCore
import KanbotsGit
import KanbotsStore

/// Watches a run's worktree for writes outside its card's scope while the
/// agent works: every couple of seconds, the paths changed since the run's
/// start commit (committed or not, through libgit2), against the card's
/// `Scope:` globs. Each new out-of-scope path is recorded at once as a
/// `Scope-Violation` in a record update (so `log --follow` shows it live);
/// under `kanbots.scope-policy = stop` the first one also ends the run.
struct ScopeWatch {
    let repository: KanbotsRepository
    let record: RunRecord
    let scope: [String]
    let policy: Settings.ScopePolicy
    /// Seconds between looks at the worktree.
    var interval: TimeInterval = 2
    private var nextPoll = Date()
    private var flagged: Set<String>

    /// Nil when there is nothing to watch: the card declares no scope.
    init?(repository: KanbotsRepository, record: RunRecord) {
        guard let card = try? CardStore(repository).card(record.card), !card.scope.isEmpty else { return nil }
        self.repository = repository
        self.record = record
        scope = card.scope
        policy = (try? Settings(repository).scopePolicy()) ?? .warn
        flagged = Set(record.scopeViolations)
    }

    /// Looks when the interval has passed; see `pollNow`.
    mutating func pollIfDue() -> String? {
        guard Date() >= nextPoll else { return nil }
        nextPoll = Date().addingTimeInterval(interval)
        return pollNow()
    }

    /// Records new out-of-scope paths; returns the first one when the policy
    /// says the run must stop.
    mutating func pollNow() -> String? {
        let worktree = repository.absolutePath(record.worktree)
        guard let start = ObjectID(hex: record.startCommit), let checkout = try? Repository.open(at: worktree),
              let changed = try? checkout.changedPaths(since: start) else { return nil }
        let fresh = Scope.violations(of: scope, in: changed).filter { !flagged.contains($0) }.sorted()
        guard !fresh.isEmpty else { return nil }
        flagged.formUnion(fresh)
        _ = try? RunStore(repository).update(record.id) { record in
            fresh.forEach { record.addScopeViolation($0) }
            return true
        }
        return policy == .stop ? fresh.first : nil
    }
}
