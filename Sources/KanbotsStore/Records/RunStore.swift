import KanbotsCore
import KanbotsGit

/// Run records in git: `refs/kanbots/runs/<id>`, one commit per transition.
public final class RunStore {
    let repository: KanbotsRepository
    var git: Repository { repository.git }

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    static func ref(_ id: RunID) -> String { KanbotsRepository.runsRefPrefix + id.description }

    func chain(_ id: RunID) -> RecordChain { RecordChain(git: git, ref: Self.ref(id)) }

    /// Claims the next run number of this clone by creating the run's ref
    /// with its `queued` record: the claim and the first record are one
    /// atomic step, so concurrent dispatches can neither collide nor leave a
    /// claimed id without a record.
    public func create(
        clone: CloneTag, attachments: [String: Data] = [:], _ make: (RunID) throws -> RunRecord
    ) throws -> RunRecord {
        var number = try highestNumber(clone: clone) + 1
        for _ in 0..<Contention.maxAttempts {
            let id = RunID(number: number, clone: clone)
            let record: RunRecord
            do {
                record = try make(id)
            } catch let error as KanbotsError {
                // A concurrent dispatch that claimed this number creates its
                // branch and folder right after its ref: not a conflict, a race lost.
                guard try git.referenceTarget(Self.ref(id)) != nil else { throw error }
                Contention.retries += 1
                number = try nextNumber(after: number, clone: clone)
                continue
            }
            do {
                try chain(record.id).create(message: record.message.text, files: attachments, signature: signature)
                Contention.writes += 1
                return record
            } catch let error as GitError where error.isContention {
                Contention.retries += 1
                number = try nextNumber(after: number, clone: clone)
            } catch is GitError where git.unreadableReason(Self.ref(id)) != nil {
                // A damaged loose file holds this number. libgit2's listing
                // skips it, so the count missed it; it is `fsck`'s to report
                // and repair, and a dispatch takes the next number rather
                // than wait for that (nothing is written over it).
                number += 1
            }
        }
        throw KanbotsError.contention(ref: KanbotsRepository.runsRefPrefix, attempts: Contention.maxAttempts)
    }

    /// After losing a number to a concurrent dispatch, skip every number
    /// claimed meanwhile: with fifty dispatches racing, stepping by one
    /// would lose to each of them in turn.
    private func nextNumber(after lost: Int, clone: CloneTag) throws -> Int {
        max(lost, try highestNumber(clone: clone)) + 1
    }

    private func highestNumber(clone: CloneTag) throws -> Int {
        try git.references(matching: KanbotsRepository.runsRefPrefix + "*-\(clone)")
            .compactMap { RunID(String($0.name.dropFirst(KanbotsRepository.runsRefPrefix.count)))?.number }
            .max() ?? 0
    }

    /// The current record of a run.
    public func record(_ id: RunID) throws -> RunRecord {
        let ref = Self.ref(id)
        guard let tip = try tip(id) else { throw KanbotsError.unknownRun(id.description) }
        let message: String
        do {
            message = try git.commitMessage(tip)
        } catch let error as GitError {
            throw KanbotsError.corruptRecord(ref: ref, reason: error.message)
        }
        return try RunIndex.parse(message, ref: ref)
    }

    /// Applies a transition with compare-and-swap, re-reading and re-applying
    /// `change` if another writer moved the ref meanwhile. `change` may throw
    /// to refuse (e.g. the run already finished); returning false writes nothing.
    @discardableResult
    public func update(
        _ id: RunID, attachments: [String: Data?] = [:], diskFiles: [String: String] = [:],
        _ change: (inout RunRecord) throws -> Bool
    ) throws -> RunRecord {
        var result: RunRecord?
        do {
            try chain(id).update(signature: signature, diskFiles: diskFiles) { message, _ in
                var record: RunRecord
                do {
                    record = try RunRecord(parsing: message)
                } catch let error as RecordError {
                    throw KanbotsError.corruptRecord(ref: Self.ref(id), reason: error.description)
                }
                guard try change(&record) else {
                    result = record
                    return nil
                }
                record.updatedAt = Date()
                result = record
                return (record.message.text, attachments)
            }
        } catch RecordChainError.missing {
            throw KanbotsError.unknownRun(id.description)
        }
        return result!
    }

    /// Records a new state (and reason), stamping start and end times.
    @discardableResult
    public func transition(
        _ id: RunID, to state: RunState, reason: String? = nil, attachments: [String: Data?] = [:],
        diskFiles: [String: String] = [:], _ more: (inout RunRecord) -> Void = { _ in }
    ) throws -> RunRecord {
        try update(id, attachments: attachments, diskFiles: diskFiles) { record in
            record.state = state
            record.reason = reason
            if state == .running, record.startedAt == nil { record.startedAt = Date() }
            if state.isFinished, record.endedAt == nil { record.endedAt = Date() }
            more(&record)
            return true
        }
    }

    /// The run's ref tip, or nil when it has none. A ref git cannot read
    /// (garbage in its loose file, packed value or not) is a typed error
    /// naming the fix, not libgit2's.
    func tip(_ id: RunID) throws -> ObjectID? { try git.readableTarget(Self.ref(id)) }

    /// Every version of a run's record, oldest first: its lifecycle.
    public func history(_ id: RunID) throws -> [(commit: CommitInfo, record: RunRecord?)] {
        try chain(id).history().map { ($0, try? RunRecord(parsing: $0.message)) }
    }

    public func attachment(_ name: String, of id: RunID) throws -> Data? {
        try chain(id).attachment(name)
    }

    /// Every run id with a readable ref, parsed or not. A loose ref file
    /// git cannot read is not here, even when `packed-refs` has an older
    /// value for it (`HiddenRuns` names those).
    public func allIDs() throws -> [(id: RunID?, ref: String, tip: ObjectID)] {
        try git.referenceListing(under: KanbotsRepository.runsRefPrefix).references.map {
            (RunID(String($0.name.dropFirst(KanbotsRepository.runsRefPrefix.count))), $0.name, $0.target)
        }
    }

    /// Resolves what a user typed: a full id (`7-k3qz`), or just the number
    /// when it is unambiguous (this clone's run wins over other clones').
    /// A run whose ref cannot be read resolves too, so acting on it fails
    /// with the reason and the fix, not "unknown run".
    public func resolve(_ text: String, clone: CloneTag?) throws -> RunID {
        if let id = RunID(text) {
            guard try tip(id) != nil else { throw KanbotsError.unknownRun(text) }
            return id
        }
        guard let number = Int(text), number > 0 else { throw KanbotsError.unknownRun(text) }
        let listing = try git.referenceListing(under: KanbotsRepository.runsRefPrefix)
        let matches = (listing.references.map(\.name) + listing.unreadable.map(\.name))
            .compactMap { RunID(String($0.dropFirst(KanbotsRepository.runsRefPrefix.count))) }
            .filter { $0.number == number }
        if let clone, let own = matches.first(where: { $0.clone == clone }) {
            _ = try tip(own)
            return own
        }
        if matches.count == 1 {
            _ = try tip(matches[0])
            return matches[0]
        }
        if matches.isEmpty { throw KanbotsError.unknownRun(text) }
        throw KanbotsError.ambiguousRun(text, matches.map(\.description).sorted())
    }

    var signature: Signature { repository.git.defaultSignature() }
}
