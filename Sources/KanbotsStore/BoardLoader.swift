import Foundation
import KanbotsCore
import KanbotsGit

/// Reads every record and observes the world (branches, supervisors) to feed
/// the pure `BoardProjection`.
public struct BoardLoader {
    let repository: KanbotsRepository
    /// This clone's tag: runs of other clones (brought by `sync`) are
    /// supervised there, whatever host they name.
    let cloneTag: CloneTag?

    public init(_ repository: KanbotsRepository) {
        self.repository = repository
        cloneTag = Settings(repository).string(Settings.Key.clone).flatMap(CloneTag.init)
    }

    public struct Snapshot {
        public var board: Board
        /// Records that could not be read: reported, never overwritten.
        public var unreadable: [KanbotsError]
    }

    public func load() throws -> Snapshot {
        let (cards, unreadableCards) = try CardStore(repository).all()
        let (records, unreadableRuns) = try RunIndex(repository).records()
        let branchTips = Dictionary(
            try repository.git.references(matching: "refs/heads/kanbots/*").map { ($0.name, $0.target) },
            uniquingKeysWith: { first, _ in first })
        var baseTips: [String: ObjectID?] = [:]
        let observed = try records.map { record -> (RunRecord, RunObservation) in
            let tip = branchTips["refs/heads/" + record.branch]
            var ahead: Int?, behind: Int?
            if let tip {
                if baseTips[record.base] == nil { baseTips[record.base] = try repository.git.resolveCommit(record.base) }
                if let baseTip = baseTips[record.base] ?? nil {
                    (ahead, behind) = try repository.git.aheadBehind(tip, baseTip)
                }
            }
            let supervisor = liveness(of: record)
            let live = supervisor == .alive ? LiveStatusFile.read(runDirectory: repository.runDirectory(record.id)) : nil
            var observation = RunObservation(
                branchTip: tip?.hex, ahead: ahead, behind: behind, supervisor: supervisor, live: live)
            observation.fromOtherClone = record.id.clone != cloneTag
            if supervisor == .gone, record.state.isActive, let agent = record.agentPID {
                observation.agentAlive = ProcessProbe.isGroupAlive(agent)
            }
            return (record, observation)
        }
        let hidden = hiddenRuns(records: records, unreadable: unreadableRuns, branchTips: branchTips)
        return Snapshot(
            board: BoardProjection.board(cards: cards, runs: observed + hidden.orphans),
            unreadable: unreadableCards + unreadableRuns + hidden.unreadable)
    }

    /// Whether the run's supervisor is alive, from the lock it holds: a pid
    /// can be reused, a released lock cannot lie.
    public func liveness(of record: RunRecord) -> Liveness {
        guard record.state.isActive else { return .gone }
        // Another clone's run: its lock is in that clone's .git, not ours,
        // even on this same machine. Its own clone reconciles it.
        if record.id.clone != cloneTag { return .elsewhere }
        if !record.host.isEmpty, record.host != KanbotsRepository.hostName { return .elsewhere }
        let lockPath = repository.supervisorLockPath(record.id)
        if FileLock.isHeld(at: lockPath) { return .alive }
        // A dispatch holds its lock under a temporary name until the run id
        // is claimed, then renames it into place: look in both, then again
        // at the final name in case the rename happened in between.
        if record.state == .queued, let pending = record.extraValue(RunRecord.dispatchLockKey) {
            if FileLock.isHeld(at: repository.stateDirectory + "/" + pending) || FileLock.isHeld(at: lockPath) {
                return .alive
            }
        }
        return .gone
    }
}

/// Lists every run record. Separate from the board so it can grow a cache
/// (derived from the refs, safe to delete) without touching callers.
public struct RunIndex {
    let repository: KanbotsRepository

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    public func records() throws -> (records: [RunRecord], unreadable: [KanbotsError]) {
        var records: [RunRecord] = []
        var unreadable: [KanbotsError] = []
        var cache = RecordCache(stateDirectory: repository.stateDirectory)
        let refs = try RunStore(repository).allIDs()
        defer { cache.save(keeping: Set(refs.map(\.tip.hex))) }
        for (id, ref, tip) in refs {
            do {
                let record = try RunRecord(parsing: try cache.message(of: tip, in: repository.git))
                guard record.id == id else { throw RecordError.badField("Run", "\(record.id), stored under \(ref)") }
                records.append(record)
            } catch let error as RecordError {
                unreadable.append(.corruptRecord(ref: ref, reason: error.description))
            } catch {
                unreadable.append(.corruptRecord(ref: ref, reason: "\(error)"))
            }
        }
        return (records, unreadable)
    }
}
