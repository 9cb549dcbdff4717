import KanbotsCore
import KanbotsGit

/// Reads every record and observes the world (branches, supervisors) to feed
/// the pure `BoardProjection`.
public struct BoardLoader {
    let repository: KanbotsRepository
    /// This clone's tag: runs of other clones (brought by `sync`) are
    /// supervised there, whatever host they name.
    public let cloneTag: CloneTag?

    public init(_ repository: KanbotsRepository) {
        self.repository = repository
        cloneTag = Settings(repository).string(Settings.Key.clone).flatMap(CloneTag.init)
    }

    public struct Snapshot {
        public var board: Board
        /// Records that could not be read: reported, never overwritten.
        public var unreadable: [KanbotsError]
        /// The run snapshot the board was read through: renderings of
        /// settled runs live there (nil when loaded without it).
        public var cache: RunSnapshot?

        /// Writes what the board learned into the run snapshot (nothing
        /// when nothing changed).
        public func saveCache() { cache?.save() }

        /// `saveCache()` on another thread, while the caller prints; wait
        /// for it before the process ends.
        public func startSavingCache() -> BackgroundWork<Void>? { cache?.startSaving() }
    }

    /// - Parameter summarizingSettled: leave settled runs (finished, branch
    ///   gone) as summaries in `board.settled` instead of full views, except
    ///   each card's latest. What `board` and `status` print is the same
    ///   either way; only callers that render runs from `cache` ask for it,
    ///   and they save the cache once they rendered (`saveCache()`, or
    ///   `startSavingCache()` while printing), so a first build of the
    ///   snapshot is written once, renderings included.
    public func load(summarizingSettled: Bool = false) throws -> Snapshot {
        let (cards, unreadableCards) = try CardStore(repository).all()
        let index = RunIndex(repository)
        let scan = try index.scan()
        let branchTips = Dictionary(
            try repository.git.references(matching: "refs/heads/kanbots/*").map { ($0.name, $0.target) },
            uniquingKeysWith: { first, _ in first })
        var baseTips: [String: ObjectID?] = [:]
        var observed: [(RunRecord, RunObservation)] = []
        var settled: [SettledRun] = []
        var unreadable: [KanbotsError] = []
        for run in scan.runs {
            if summarizingSettled, let summary = run.summary, !summary.isActive,
               branchTips["refs/heads/" + summary.branch] == nil {
                settled.append(SettledRun(id: summary.id, card: summary.card, createdAt: summary.createdAt, costUSD: summary.costUSD))
                continue
            }
            switch index.record(of: run, in: scan.snapshot) {
            case .failure(let error): unreadable.append(error)
            case .success(let record):
                observed.append((record, try observe(record, branchTip: branchTips["refs/heads/" + record.branch], baseTips: &baseTips)))
            }
        }
        // Each card's latest run decides its column: give it its full view.
        var latestSettled: [Int: Int] = [:]
        for (position, run) in settled.enumerated() {
            if let known = latestSettled[run.card], (settled[known].createdAt, settled[known].id) > (run.createdAt, run.id) { continue }
            latestSettled[run.card] = position
        }
        for position in latestSettled.values.sorted(by: >) {
            let run = settled.remove(at: position)
            observed.append(try settledView(of: run, in: scan.snapshot))
        }
        if !summarizingSettled { scan.snapshot.save() }
        // Every listed ref (readable or not) counts as listed; summaries name the readable runs.
        let hidden = hiddenRuns(
            listed: Set(scan.runs.map(\.ref)), looseNames: scan.looseNames,
            readable: Set(scan.runs.compactMap(\.summary?.id)), branchTips: branchTips)
        return Snapshot(
            board: BoardProjection.board(cards: cards, runs: observed + hidden.orphans, settled: settled),
            unreadable: unreadableCards + unreadable + hidden.unreadable, cache: scan.snapshot)
    }

    /// The full record and observation of a run the board summarised.
    public func settledView(of run: SettledRun, in snapshot: RunSnapshot) throws -> (RunRecord, RunObservation) {
        let record = try RunIndex(repository).record(ref: RunStore.ref(run.id), in: snapshot)
        var noBases: [String: ObjectID?] = [:]
        return (record, try observe(record, branchTip: nil, baseTips: &noBases))
    }

    /// The full view of any run on a board, summarised or not.
    public func view(of run: BoardRun, in snapshot: Snapshot) throws -> RunView {
        switch run {
        case .view(let view): return view
        case .settled(let settled):
            guard let cache = snapshot.cache else { throw KanbotsError.io("the board was loaded without its run snapshot") }
            let (record, observation) = try settledView(of: settled, in: cache)
            return BoardProjection.view(of: record, observed: observation)
        }
    }

    private func observe(
        _ record: RunRecord, branchTip tip: ObjectID?, baseTips: inout [String: ObjectID?]
    ) throws -> RunObservation {
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
        return observation
    }

    /// The live run working in `worktree`, if any: a reply works in the
    /// folder of the run it continues, so one folder can serve several runs,
    /// one at a time.
    public func activeRun(inWorktree worktree: String, excluding id: RunID? = nil) throws -> RunRecord? {
        try RunIndex(repository).records().records.first {
            $0.id != id && $0.worktree == worktree && $0.state.isActive && liveness(of: $0) != .gone
        }
    }

    /// Whether the run's supervisor is alive, from the lock it holds: a pid
    /// can be reused, a released lock cannot lie.
    public func liveness(of record: RunRecord) -> Liveness {
        guard record.state.isActive else { return .gone }
        // Another clone's run: its lock is in that clone's .git, not ours,
        // even on this same machine. Its own clone reconciles it.
        if record.id.clone != cloneTag { return .elsewhere }
        // A run in a batch job: the engine knows whether its job lives
        // (except in the job's own clone, where its supervisor is local).
        if record.executor.isRemote, Settings(repository).string(Settings.jobRunKey) == nil {
            if record.state == .queued, let pending = record.extraValue(RunRecord.dispatchLockKey),
               FileLock.isHeld(at: repository.stateDirectory + "/" + pending) {
                return .alive  // still being submitted
            }
            return EngineQueue(repository, kind: record.executor).liveness(of: record)
        }
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

/// Lists every run record, through the run snapshot (`RunSnapshot`): one
/// pass over the refs with their targets, parsing only records whose tip is
/// new.
public struct RunIndex {
    let repository: KanbotsRepository

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    struct ScannedRun {
        var ref: String
        var tip: String
        /// Nil when the record cannot be read.
        var summary: RunSnapshot.Summary?
        var problem: KanbotsError?
    }

    struct Scan {
        var runs: [ScannedRun]
        var snapshot: RunSnapshot
        /// The run folder's loose ref files, when read on the way (nil: not
        /// read, or it holds more than files).
        var looseNames: [String]?
    }

    public func records() throws -> (records: [RunRecord], unreadable: [KanbotsError]) {
        let scan = try scan()
        defer { scan.snapshot.save() }
        var records: [RunRecord] = []
        var unreadable: [KanbotsError] = []
        for run in scan.runs {
            switch record(of: run, in: scan.snapshot) {
            case .success(let record): records.append(record)
            case .failure(let error): unreadable.append(error)
            }
        }
        return (records, unreadable)
    }

    /// Lists the run refs (reusing the last listing while no ref file
    /// changed) and reads each new tip's record once into the snapshot.
    func scan() throws -> Scan {
        let snapshot = RunSnapshot(stateDirectory: repository.stateDirectory)
        let prefix = KanbotsRepository.runsRefPrefix
        let reading = snapshot.isEnabled
            ? RefsFingerprint.current(commonDirectory: repository.commonDirectory, prefix: prefix) : nil
        var runs: [ScannedRun] = []
        if snapshot.isCurrent(fingerprint: reading?.value) {
            // No ref file changed: every entry is still at its ref's tip.
            runs.reserveCapacity(snapshot.entries.count)
            snapshot.updateEntries { entries in
                var learned = false
                for index in entries.indices {
                    if entries[index].summary == nil || entries[index].message == nil {
                        // Unreadable last time: read again, and reported again if still so.
                        runs.append(read(&entries[index]))
                        learned = learned || entries[index].summary != nil
                    } else {
                        runs.append(ScannedRun(ref: entries[index].ref, tip: entries[index].tip, summary: entries[index].summary))
                    }
                }
                return learned
            }
            return Scan(runs: runs, snapshot: snapshot, looseNames: reading?.looseNames)
        }
        // Honest about loose files that do not parse: such a ref is left out
        // (and named by `HiddenRuns`), never shown from its stale packed value.
        let listing = try repository.git.referenceListing(
            under: prefix, looseNames: reading?.looseNames.map { $0.map { prefix + $0 } }).references
        var entries: [RunSnapshot.Entry] = []
        var changed = false
        entries.reserveCapacity(listing.count)
        runs.reserveCapacity(listing.count)
        for (ref, target) in listing {
            let tip = target.hex
            if let known = snapshot.entry(ref: ref, tip: tip), known.summary != nil, known.message != nil {
                entries.append(known)
                runs.append(ScannedRun(ref: ref, tip: tip, summary: known.summary))
                continue
            }
            changed = true
            var entry = RunSnapshot.Entry(ref: ref, tip: tip)
            runs.append(read(&entry))
            entries.append(entry)
        }
        snapshot.replace(with: entries, fingerprint: reading?.value ?? 0, changed: changed)
        return Scan(runs: runs, snapshot: snapshot, looseNames: reading?.looseNames)
    }

    /// Reads the record at an entry's tip into it.
    private func read(_ entry: inout RunSnapshot.Entry) -> ScannedRun {
        var run = ScannedRun(ref: entry.ref, tip: entry.tip)
        do {
            guard let commit = ObjectID(hex: entry.tip) else {
                throw KanbotsError.corruptRecord(ref: entry.ref, reason: "bad id \(entry.tip)")
            }
            let message = try repository.git.commitMessage(commit)
            let record = try Self.parse(message, ref: entry.ref)
            entry.message = .owned(Array(message.utf8))
            entry.summary = RunSnapshot.Summary(record)
            entry.record = record
            run.summary = entry.summary
        } catch let error as KanbotsError {
            run.problem = error
        } catch {
            run.problem = .corruptRecord(ref: entry.ref, reason: "\(error)")
        }
        return run
    }

    func record(of run: ScannedRun, in snapshot: RunSnapshot) -> Result<RunRecord, KanbotsError> {
        if let problem = run.problem { return .failure(problem) }
        return Result { try record(ref: run.ref, in: snapshot) }.mapError {
            $0 as? KanbotsError ?? .corruptRecord(ref: run.ref, reason: "\($0)")
        }
    }

    /// The record at a ref's tip as the snapshot holds it.
    func record(ref: String, in snapshot: RunSnapshot) throws -> RunRecord {
        guard let position = snapshot.position(of: ref) else { throw KanbotsError.corruptRecord(ref: ref, reason: "not listed") }
        let entry = snapshot.entries[position]
        if let record = entry.record { return record }
        if let message = entry.message { return try Self.parse(message.text, ref: ref) }
        guard let commit = ObjectID(hex: entry.tip) else { throw KanbotsError.corruptRecord(ref: ref, reason: "bad id \(entry.tip)") }
        return try Self.parse(try repository.git.commitMessage(commit), ref: ref)
    }

    /// Parses a record and checks it is stored under its own id.
    static func parse(_ message: String, ref: String) throws -> RunRecord {
        let id = RunID(String(ref.dropFirst(KanbotsRepository.runsRefPrefix.count)))
        do {
            let record = try RunRecord(parsing: message)
            guard record.id == id else { throw RecordError.badField("Run", "\(record.id), stored under \(ref)") }
            return record
        } catch let error as RecordError {
            throw KanbotsError.corruptRecord(ref: ref, reason: error.description)
        }
    }
}
