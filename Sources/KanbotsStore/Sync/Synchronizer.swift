import KanbotsCore
import KanbotsGit

/// `git kanbots sync`: shares cards, run records and notes through a remote
/// (docs/sharing.md).
///
/// 1. fetch the remote's `refs/kanbots/*` and `refs/notes/kanbots` into
///    `refs/kanbots-remotes/<remote>/` (outside `refs/kanbots/`, so the board
///    never reads a record twice);
/// 2. merge them into the local refs in memory (`RefMerger.plan`), from one
///    listing of each side, and write every changed ref in one transaction
///    (each compared with the value it was merged from, under its lock);
/// 3. push every local ref the remote lacks or is behind on (nothing, and no
///    `git push` at all, when the tips just fetched match), fast-forward
///    only, and record what the remote now has.
/// A push the remote rejects because another clone pushed in between starts
/// another round. Only refs are sent: records are redacted when written, and
/// nothing machine-local (transcripts, locks, `.git/kanbots/`) is a ref.
public final class Synchronizer {
    let repository: KanbotsRepository
    public let remote: String
    var git: Repository { repository.git }

    public static let trackingRoot = "refs/kanbots-remotes/"
    static let kanbotsPrefix = "refs/kanbots/"
    static let maxRounds = 3

    /// - Parameter remote: a configured remote's name; nil picks `origin`,
    ///   or the only remote there is.
    public init(_ repository: KanbotsRepository, remote: String?) throws {
        self.repository = repository
        let names = try repository.git.remoteNames()
        if let remote {
            guard names.contains(remote) else { throw KanbotsError.unknownRemote(remote, known: names) }
            self.remote = remote
        } else if names.contains("origin") {
            self.remote = "origin"
        } else if names.count == 1 {
            self.remote = names[0]
        } else {
            throw KanbotsError.unknownRemote(nil, known: names)
        }
        guard Repository.isValidReferenceName(Self.trackingRoot + self.remote + "/kanbots/x") else {
            throw KanbotsError.invalidArgument("remote name '\(self.remote)' cannot name refs; rename it with `git remote rename`")
        }
    }

    var trackingPrefix: String { Self.trackingRoot + remote + "/" }
    /// `refs/kanbots/runs/7-k3qz` → `refs/kanbots-remotes/origin/kanbots/runs/7-k3qz`.
    func tracking(_ localRef: String) -> String { trackingPrefix + localRef.dropFirst("refs/".count) }
    func local(_ trackingRef: String) -> String { "refs/" + trackingRef.dropFirst(trackingPrefix.count) }

    /// What `git fetch` gets: everything of ours, forced into the tracking
    /// namespace (the remote is the authority on what it has). The notes
    /// refspec is a pattern so a remote without notes yet is not an error.
    public var fetchRefspecs: [String] {
        ["+refs/kanbots/*:\(trackingPrefix)kanbots/*", "+refs/notes/kanbots*:\(trackingPrefix)notes/kanbots*"]
    }

    var transport: GitTransport {
        GitTransport(workingDirectory: repository.workingDirectory, scratchDirectory: repository.stateDirectory)
    }

    public struct Tally: Sendable, Equatable {
        public var created = 0, fastForwarded = 0, merged = 0, unchanged = 0
        mutating func add(_ outcome: MergeOutcome) {
            switch outcome {
            case .created: created += 1
            case .fastForwarded: fastForwarded += 1
            case .merged: merged += 1
            case .unchanged, .unrelated: unchanged += 1
            }
        }
        public var changed: Int { created + fastForwarded + merged }
    }

    public struct Report: Sendable {
        public var remote: String
        public var runs = Tally(), cards = Tally(), other = Tally()
        public var notes: MergeOutcome?
        /// This clone's cards that took a new number because the remote
        /// already had a different card under theirs.
        public var renumbered: [(from: Int, to: Int)] = []
        /// Refs present here and on the remote with unrelated histories.
        public var clashes: [String] = []
        public var pushed: [String] = []
        public var rejected: [GitTransport.PushedRef] = []
        public var rounds = 0
        /// Run branches created for finished remote runs (`createRemoteRunBranches`).
        public var branches: [String] = []
    }

    public func sync(push: Bool) throws -> Report {
        var report = Report(remote: remote)
        for round in 1...Self.maxRounds {
            report.rounds = round
            // The fetch writes only the tracking namespace: the local refs
            // are listed meanwhile, on this thread, while git runs.
            let (transport, remote, refspecs) = (transport, remote, fetchRefspecs)
            let fetch = BackgroundWork { try transport.fetch(remote: remote, refspecs: refspecs) }
            let locals = Result { try listLocals() }
            let fetched = Result { try fetch.wait() }
            // Checked before the fetch's outcome: with such a ref, `git fetch`
            // itself fails ("bad object"), and the reason is this ref.
            try refuseUnreadable(locals)
            try fetched.get()
            let tips = try merge(into: &report, localTips: try locals.get().tips)
            guard push else { break }
            // Only what the remote lacks, judged against the tips just fetched:
            // with nothing new on either side, nothing is pushed at all.
            let updates = try pendingPushes(tracked: tips.tracked, locals: tips.locals)
            if updates.isEmpty { break }
            let results = try transport.push(remote: remote, updates: updates.map { ($0.ref, $0.to.hex) })
            let byRef = Dictionary(updates.map { ($0.ref, $0) }, uniquingKeysWith: { first, _ in first })
            var pushed: [ReferenceUpdate] = []
            for result in results where result.accepted {
                guard let update = byRef[result.ref] else { continue }
                pushed.append(ReferenceUpdate(name: tracking(update.ref), target: update.to, expected: update.tracked))
                report.pushed.append(update.ref)
            }
            // Remember what the remote has now, so the next sync fetches
            // nothing new (a first push of many runs: packed, as in `merge`).
            let loose = writePacked(pushed.filter { $0.expected == nil }) + pushed.filter { $0.expected != nil }
            try? git.updateReferences(loose, message: "kanbots sync: pushed", signature: git.defaultSignature())
            report.rejected = results.filter { !$0.accepted }
            if report.rejected.isEmpty { break }
        }
        report.branches = try createRemoteRunBranches()
        return report
    }

    /// Every readable local ref under `refs/kanbots/` and its tip, and the
    /// loose ref files there (or the notes ref's) that git cannot read.
    struct Locals {
        var tips: [String: ObjectID]
        var unreadable: [UnreadableLooseReference]
    }

    func listLocals() throws -> Locals {
        let listing = try git.referenceListing(under: Self.kanbotsPrefix)
        return Locals(tips: Dictionary(listing.references.map { ($0.name, $0.target) }, uniquingKeysWith: { first, _ in first }),
                      unreadable: listing.unreadable + git.unreadableLooseReferences([KanbotsRepository.notesRef]))
    }

    /// Nothing is merged or pushed while a shared ref cannot be read: its
    /// packed value (what libgit2 would fall back to) may be many updates
    /// old, so merging onto it or pushing it would pass an old state off as
    /// the current one; and `git fetch` fails beside it anyway. The
    /// remote's values stay where they are, and in the tracking refs.
    private func refuseUnreadable(_ locals: Result<Locals, any Error>) throws {
        guard case .success(let listed) = locals, let first = listed.unreadable.first else { return }
        throw KanbotsError.syncRefused(ref: first.name, reason: first.reason(in: git), others: listed.unreadable.count - 1)
    }

    /// Merges whatever the tracking namespace holds into the local refs, in
    /// memory from one listing of each side, then writes every changed ref
    /// in one transaction. Returns the tracking tips it read and the local
    /// tips after the merge.
    ///
    /// - Parameter localTips: the local refs as listed before the merge.
    ///   Every write is compared with these, so a listing that went stale
    ///   meanwhile costs a retry, never a record.
    func merge(
        into report: inout Report, localTips listed: [String: ObjectID]
    ) throws -> (tracked: [String: ObjectID], locals: [String: ObjectID]) {
        let merger = RefMerger(git: git)
        let fetched = try git.references(matching: trackingPrefix + "kanbots/*")
        var localTips = listed
        func kind(_ ref: String) -> String { String(ref.dropFirst(Self.kanbotsPrefix.count).prefix { $0 != "/" }) }
        // Cards first: renumbering a card rewrites this clone's runs of it.
        let cards = fetched.filter { kind(local($0.name)) == "cards" }
            .sorted { (Int($0.name.split(separator: "/").last ?? "") ?? 0) < (Int($1.name.split(separator: "/").last ?? "") ?? 0) }
        let remoteCardNumbers = Set(cards.compactMap { Int($0.name.split(separator: "/").last ?? "") })
        var cardsChanged = false
        for (name, tip) in cards {
            let ref = local(name)
            if localTips[ref] == tip {
                report.cards.add(.unchanged)
                continue
            }
            cardsChanged = true
            let outcome = try merger.integrate(ref: ref, remote: tip, resolve: merger.resolveCard)
            if outcome == .unrelated, let number = Int(ref.dropFirst(KanbotsRepository.cardsRefPrefix.count)) {
                let renumbered = try CardRenumbering(repository: repository, tracking: tracking)
                    .renumber(number, remoteTip: tip, avoiding: remoteCardNumbers)
                report.renumbered.append((number, renumbered))
            } else {
                report.cards.add(outcome)
            }
        }
        if cardsChanged { localTips = try listLocals().tips }

        let others = fetched.filter { kind(local($0.name)) != "cards" }
        var planned: [ReferenceUpdate] = []
        var outcomes: [String: MergeOutcome] = [:]
        for (name, tip) in others {
            let ref = local(name)
            let step = try merger.plan(local: localTips[ref], remote: tip, resolve: merger.resolveRun)
            outcomes[ref] = step.outcome
            if let newTip = step.newTip { planned.append(ReferenceUpdate(name: ref, target: newTip, expected: localTips[ref])) }
        }
        let loose = writePacked(planned.filter { $0.expected == nil }, fetched: fetched)
        let rest = planned.filter { $0.expected != nil } + loose
        do {
            try git.updateReferences(rest, message: "kanbots sync: merge", signature: git.defaultSignature())
            for update in planned { localTips[update.name] = update.target }
        } catch let error as GitError where error.isContention {
            // A supervisor wrote a record meanwhile: merge those refs one by
            // one instead, each a compare-and-swap retried like any write.
            let remoteTips = Dictionary(others.map { (local($0.name), $0.target) }, uniquingKeysWith: { first, _ in first })
            for update in rest {
                outcomes[update.name] = try merger.integrate(
                    ref: update.name, remote: remoteTips[update.name]!, resolve: merger.resolveRun)
            }
            localTips = try listLocals().tips
        }
        for (ref, outcome) in outcomes {
            if outcome == .unrelated { report.clashes.append(ref) }
            if kind(ref) == "runs" { report.runs.add(outcome) } else { report.other.add(outcome) }
        }
        report.clashes.sort()

        let notesTracking = trackingPrefix + "notes/kanbots"
        var tracked = Dictionary(fetched.map { ($0.name, $0.target) }, uniquingKeysWith: { first, _ in first })
        if let notes = try git.referenceTarget(notesTracking) {
            tracked[notesTracking] = notes
            report.notes = try merger.integrateNotes(ref: KanbotsRepository.notesRef, remote: notes)
        }
        if let notes = try git.referenceTarget(KanbotsRepository.notesRef) { localTips[KanbotsRepository.notesRef] = notes }
        return (tracked, localTips)
    }

    /// From this many loose refs on, a sync writes packed (see `writePacked`).
    static let packingThreshold = 64

    /// Creates new refs (local ones after a merge, tracking ones after a
    /// push) straight in `packed-refs`, and folds in the loose tracking refs
    /// the fetch wrote, once there are enough of them to matter; returns the
    /// creations still to write. Every later listing, ours and each `git
    /// fetch`'s, then reads one file instead of a thousand: a first sync of
    /// 1,000 runs leaves 2,000 refs behind. Below the threshold, or when
    /// `packed-refs` is busy, everything is written loose as before. Only
    /// creations and the tracking refs go this way (see
    /// `createPackedReferences` on why those two are safe without a lock
    /// per ref); cards never do, nor does a ref that moves.
    func writePacked(_ creations: [ReferenceUpdate], fetched: [(name: String, target: ObjectID)] = []) -> [ReferenceUpdate] {
        let looseNames = fetched.isEmpty ? [] : Set(git.looseReferenceNames(under: trackingPrefix))
        let looseTracked = Dictionary(
            fetched.filter { looseNames.contains($0.name) }.map { ($0.name, $0.target) }, uniquingKeysWith: { first, _ in first })
        guard creations.count + looseTracked.count >= Self.packingThreshold else { return creations }
        return (try? git.createPackedReferences(creations, absorbing: looseTracked)) ?? creations
    }

    /// Local refs the remote lacks or is behind on. A ref whose remote
    /// version is not an ancestor (a clash, or a merge that failed) is left
    /// out: pushing it could only be rejected.
    func pendingPushes(
        tracked: [String: ObjectID], locals: [String: ObjectID]
    ) throws -> [(ref: String, to: ObjectID, tracked: ObjectID?)] {
        try locals.sorted { $0.key < $1.key }.compactMap { name, tip in
            let remoteTip = tracked[tracking(name)]
            if remoteTip == tip { return nil }
            if let remoteTip, try !git.isAncestor(remoteTip, of: tip) { return nil }
            return (name, tip, remoteTip)
        }
    }
}

/// Two clones filed different cards under one number while offline. The
/// remote's card keeps the number (others may already have dispatched it);
/// this clone's card moves to the first number free here and on the remote,
/// with its history, and this clone's runs of it that the remote has not
/// seen are re-pointed (`Card-Renumbered-From` records the old number).
struct CardRenumbering {
    let repository: KanbotsRepository
    let tracking: (String) -> String
    var git: Repository { repository.git }

    func renumber(_ number: Int, remoteTip: ObjectID, avoiding remoteNumbers: Set<Int>) throws -> Int {
        let ref = CardStore.ref(number)
        guard let localTip = try git.referenceTarget(ref) else { return number }
        let moved = try existingCopy(of: localTip) ?? claimNewNumber(for: localTip, from: number, avoiding: remoteNumbers)
        for entry in try RunStore(repository).allIDs() {
            guard let id = entry.id, try git.referenceTarget(tracking(entry.ref)) == nil,
                  (try? git.commitMessage(entry.tip)).flatMap({ try? RunRecord(parsing: $0) })?.card == number
            else { continue }
            try RunStore(repository).update(id) { record in
                guard record.card == number else { return false }
                record.card = moved
                record.setExtra("Card-Renumbered-From", String(number))
                return true
            }
        }
        try git.updateReference(ref, to: remoteTip, expecting: localTip, message: "kanbots sync: card \(number) is the remote's")
        return moved
    }

    /// A card made by an earlier, interrupted renumbering of the same chain.
    private func existingCopy(of localTip: ObjectID) throws -> Int? {
        for (name, tip) in try git.references(matching: KanbotsRepository.cardsRefPrefix + "*") {
            if try git.commit(tip).parents.first == localTip {
                return Int(name.dropFirst(KanbotsRepository.cardsRefPrefix.count))
            }
        }
        return nil
    }

    private func claimNewNumber(for localTip: ObjectID, from number: Int, avoiding remoteNumbers: Set<Int>) throws -> Int {
        let commit = try git.commit(localTip)
        var card = try Card(parsing: commit.message, body: "")
        var candidate = max(try CardStore(repository).numbers().max() ?? 0, remoteNumbers.max() ?? 0) + 1
        for _ in 0..<Contention.maxAttempts {
            card.number = candidate
            card.updatedAt = Date()
            let message = card.message.text
            let renumbered = try git.createCommit(
                tree: commit.tree, parents: [localTip], message: message, signature: git.defaultSignature())
            do {
                try git.updateReference(CardStore.ref(candidate), to: renumbered, expecting: nil,
                                        message: "kanbots sync: card \(number) renumbered")
                return candidate
            } catch let error as GitError where error.isContention {
                candidate += 1
            }
        }
        throw KanbotsError.contention(ref: KanbotsRepository.cardsRefPrefix, attempts: Contention.maxAttempts)
    }
}
