import Foundation
import KanbotsCore
import KanbotsStore

/// Resolves a run as the user typed it: `7-k3qz`, or `7` when that is
/// unambiguous (this clone's run 7 wins).
public func resolveRun(_ text: String, in repository: KanbotsRepository) throws -> RunID {
    let clone = Settings(repository).string(Settings.Key.clone).flatMap(CloneTag.init)
    return try RunStore(repository).resolve(text, clone: clone)
}

/// The current view of one run, as the board computes it.
public func runView(_ id: RunID, in repository: KanbotsRepository) throws -> RunView {
    let snapshot = try BoardLoader(repository).load()
    // An orphaned run's record is rebuilt for display only: acting on it
    // (discard, reply, promote) waits for `fsck --repair`.
    if let view = snapshot.board.runs.first(where: { $0.record.id == id && !$0.observation.isOrphaned }) { return view }
    _ = try RunStore(repository).record(id)  // throws the precise error (corrupt or unknown)
    throw KanbotsError.unknownRun(id.description)
}
