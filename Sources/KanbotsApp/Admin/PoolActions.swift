import Foundation
import KanbotsCore
import KanbotsEnvironment
import KanbotsStore
import KanbotsSystem

/// The pool of prepared worktrees (`git kanbots pool`): what it holds, and
/// its refill, which a run's supervisor starts in the background.
public struct PoolActions {
    public let repository: KanbotsRepository

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    /// The pool's size and base, and each entry: ready at the base tip, stale, or being prepared.
    public func status() throws -> PoolJSON {
        let pool = WorktreePool(repository)
        let base = try Settings(repository).defaultBase()
        let tip = try repository.git.resolveCommit(base)
        return PoolJSON(size: pool.size, base: base, baseCommit: tip?.hex, entries: pool.entries(baseTip: tip).map {
            PoolJSON.Entry(name: $0.name, path: WorktreePool.folder + "/" + $0.name, state: $0.state.rawValue, commit: $0.commit)
        })
    }

    /// Seconds a refill waits for the run that started it to show output.
    static let runStartWait: TimeInterval = 5

    /// Prepares or refreshes entries at the default base's tip; empties the
    /// pool when it is turned off. Given the run that started it, first waits
    /// (up to 5 s) for that run's agent to write its first output: the run's
    /// start comes first, since its agent and this checkout share the CPU.
    public func refill(after run: RunID? = nil) throws {
        let pool = WorktreePool(repository)
        if let run { waitForOutput(of: run) }
        guard pool.size > 0 else {
            _ = try pool.empty()
            return
        }
        let base = try Settings(repository).defaultBase()
        guard let tip = try repository.git.resolveCommit(base) else { throw KanbotsError.unknownBase(base) }
        try pool.refill(base: tip, environment: PoolEnvironment(repository: repository))
    }

    private func waitForOutput(of run: RunID) {
        let transcript = repository.transcriptPath(run)
        func hasOutput() -> Bool {
            let attributes = try? FileManager.default.attributesOfItem(atPath: transcript)
            return ((attributes?[.size] as? NSNumber)?.intValue ?? 0) > 0
        }
        let deadline = Date().addingTimeInterval(Self.runStartWait)
        while Date() < deadline, !hasOutput() { sleepThread(seconds: 0.02) }
    }
}

/// What `pool --json` prints (docs/json.md).
public struct PoolJSON: Encodable {
    public var size: Int
    public var base: String
    public var baseCommit: String?
    public var entries: [Entry]

    public struct Entry: Encodable {
        public var name: String
        public var path: String
        public var state: String
        public var commit: String?
    }
}
