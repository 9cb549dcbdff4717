import KanbotsCore
import KanbotsGit
import KanbotsSystem

/// Prepared worktrees (`kanbots.pool`, default 2) under `.kanbots/pool/`,
/// checked out at the base tip and detached, so a dispatch moves one into
/// place instead of checking out every file (docs/state-format.md, "The
/// worktree pool").
///
/// An entry `pool-<random>` is a complete git worktree registered as
/// `.git/worktrees/pool-<random>`. It is claimable when its registration has
/// no `locked` file and its detached HEAD is the base tip. Claiming happens
/// under the metadata lock and is journalled: the journal names the entry and
/// the run, and every step after it (move the folder, rename the
/// registration, point `gitdir` and `.git` at each other, create the branch,
/// point HEAD at it) checks what is already done, so a claim killed at any
/// step is rolled forward by the next pool operation or `gc`, never left
/// half-registered.
public struct WorktreePool {
    let repository: KanbotsRepository

    public static let folder = ".kanbots/pool"
    public static let sizeKey = "kanbots.pool"
    public static let defaultSize = 2
    static let entryPrefix = "pool-"
    static let journalPrefix = "claim-"
    /// Set to a step number (1-6) to kill the claiming process right after
    /// that step: how the tests prove every step is recoverable.
    static let faultVariable = "KANBOTS_POOL_FAULT"

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    /// How many entries to keep ready: `kanbots.pool`, 0 turns the pool off.
    public var size: Int {
        Settings(repository).string(Self.sizeKey).flatMap(Int.init).map { max(0, min($0, 64)) } ?? Self.defaultSize
    }

    var entriesPath: String { repository.absolutePath(Self.folder) }
    /// Journals, entry locks and the refill lock: machine-local state.
    var statePath: String { repository.stateDirectory + "/pool" }
    var registrations: String { repository.commonDirectory + "/worktrees" }

    // MARK: Claiming

    /// Turns a ready entry at `base` into the run's worktree `folder`
    /// (registered as `name`, on a new `branch` at `base`). Returns false,
    /// having changed nothing, when no entry is ready at `base`: the caller
    /// checks out a fresh worktree instead. Call it under the metadata lock.
    public func claim(name: String, branch: String, folder: String, base: ObjectID) throws -> Bool {
        guard size > 0 else { return false }
        try rollForwardInterruptedClaims()
        for entry in readyEntries() where head(of: entry) == base.hex {
            let lock = try FileLock(path: entryLockPath(entry))
            guard lock.tryLock() else { continue }  // being refreshed right now
            defer { lock.unlock() }
            guard isReady(entry), head(of: entry) == base.hex else { continue }
            let journal = Journal(entry: entry, name: name, branch: branch, folder: folder, base: base)
            try writeAtomically(journal.text, to: journalPath(name))
            injectFault(after: 1)
            try rollForward(journal)
            // Only now, with the entry gone from the pool: whoever still
            // waits on this lock file finds nothing to do.
            unlink(entryLockPath(entry))
            return true
        }
        return false
    }

    /// What a claim is about to do, kept until it is done.
    struct Journal {
        var entry, name, branch, folder: String
        var base: ObjectID

        var text: String { [entry, name, branch, folder, base.hex].joined(separator: "\n") + "\n" }

        init(entry: String, name: String, branch: String, folder: String, base: ObjectID) {
            (self.entry, self.name, self.branch, self.folder, self.base) = (entry, name, branch, folder, base)
        }

        init?(_ text: String) {
            let lines = text.split(separator: "\n").map(String.init)
            guard lines.count == 5, let base = ObjectID(hex: lines[4]) else { return nil }
            self.init(entry: lines[0], name: lines[1], branch: lines[2], folder: lines[3], base: base)
        }
    }

    /// Completes a claim from wherever it stopped; each step is atomic
    /// (a rename, a file renamed into place, a compare-and-swap on a ref).
    func rollForward(_ journal: Journal) throws {
        let fileManager = FileManager.default
        let worktree = repository.absolutePath(journal.folder)
        let registration = registrations + "/" + journal.name
        try fileManager.createDirectory(
            atPath: PathName.parent(of: worktree), withIntermediateDirectories: true)
        try renameIfNeeded(entriesPath + "/" + journal.entry, to: worktree)
        injectFault(after: 2)
        try renameIfNeeded(registrations + "/" + journal.entry, to: registration)
        injectFault(after: 3)
        try writeAtomically(worktree + "/.git\n", to: registration + "/gitdir")
        try writeAtomically("gitdir: \(registration)\n", to: worktree + "/.git")
        injectFault(after: 4)
        let branchRef = "refs/heads/" + journal.branch
        if try repository.git.referenceTarget(branchRef) == nil {
            try repository.git.updateReference(branchRef, to: journal.base, expecting: nil, message: "kanbots: dispatch")
        }
        injectFault(after: 5)
        try writeAtomically("ref: \(branchRef)\n", to: registration + "/HEAD")
        injectFault(after: 6)
        unlink(journalPath(journal.name))
    }

    /// Finishes every claim a killed process left (under the metadata lock).
    /// A journal whose entry and target are both gone is dropped.
    @discardableResult
    public func rollForwardInterruptedClaims() throws -> [String] {
        var finished: [String] = []
        for file in list(statePath) where file.hasPrefix(Self.journalPrefix) {
            let path = statePath + "/" + file
            guard let text = try? String(contentsOfFile: path, encoding: .utf8), let journal = Journal(text) else {
                unlink(path)
                continue
            }
            let worktree = repository.absolutePath(journal.folder)
            let started = exists(entriesPath + "/" + journal.entry) || exists(worktree)
            if started, exists(registrations + "/" + journal.entry) || exists(registrations + "/" + journal.name) {
                try rollForward(journal)
                finished.append(journal.folder)
            } else {
                unlink(path)
            }
        }
        return finished
    }

    // MARK: Refilling

    /// Brings the pool to `size` ready entries at `base`: finishes
    /// interrupted claims, removes broken entries, refreshes stale ones with
    /// an incremental checkout, prepares new ones. One refill at a time
    /// (others wait for it); claims go on meanwhile.
    ///
    /// - Parameter environment: prepares each new or moved entry's
    ///   environment (includes, setup) before it can be claimed.
    public func refill(base: ObjectID, environment: PoolEntryPreparing? = nil) throws {
        try FileManager.default.createDirectory(atPath: statePath, withIntermediateDirectories: true)
        let refillLock = try FileLock(path: statePath + "/refill.lock")
        refillLock.lock()
        defer { refillLock.unlock() }
        _ = try prune(includingUnfinished: true)
        var ready = readyEntries()
        if ready.count > size {
            try repository.metadataLock.withLock {
                for entry in ready.dropFirst(size) where isReady(entry) { try removeHoldingMetadataLock(entry) }
            }
        }
        ready = Array(ready.prefix(size))
        for entry in ready where head(of: entry) != base.hex {
            // The lock file stays: only a claim, once the entry has left
            // the pool, removes it (so no two holders of "the" lock exist).
            let lock = try FileLock(path: entryLockPath(entry))
            guard lock.tryLock() else { continue }
            defer { lock.unlock() }
            guard isReady(entry) else { continue }  // claimed meanwhile
            try Repository.open(at: entriesPath + "/" + entry).checkOutDetached(base)
            _ = environment?.refresh(worktree: entriesPath + "/" + entry, registration: registrations + "/" + entry)
        }
        for _ in ready.count..<max(ready.count, size) { try prepare(at: base, environment: environment) }
    }

    /// A new entry: registered (locked, so nothing claims or prunes it
    /// half-made), checked out, then unlocked.
    func prepare(at base: ObjectID, environment: PoolEntryPreparing? = nil) throws {
        let entry = Self.entryPrefix + UUID().uuidString.prefix(8).lowercased()
        let worktree = entriesPath + "/" + entry
        let registration = registrations + "/" + entry
        try FileManager.default.createDirectory(atPath: worktree, withIntermediateDirectories: true)
        try writeAtomically("gitdir: \(registration)\n", to: worktree + "/.git")
        // The registration is written aside, then renamed in whole.
        let draft = statePath + "/draft-" + entry
        try FileManager.default.createDirectory(atPath: draft, withIntermediateDirectories: true)
        try writeAtomically("kanbots: preparing a pool entry\n", to: draft + "/locked")
        try writeAtomically("../..\n", to: draft + "/commondir")
        try writeAtomically(worktree + "/.git\n", to: draft + "/gitdir")
        try writeAtomically(base.hex + "\n", to: draft + "/HEAD")
        try FileManager.default.createDirectory(atPath: registrations, withIntermediateDirectories: true)
        guard rename(draft, registration) == 0 else { throw KanbotsError.io("cannot register \(entry): \(String(cString: strerror(errno)))") }
        try Repository.open(at: worktree).checkOutHead()
        _ = environment?.prepareNew(worktree: worktree, registration: registration)
        unlink(registration + "/locked")
    }

    // MARK: Cleaning

    /// Removes pool entries that are not valid worktrees: a folder without
    /// its registration, a registration without its folder, and entries a
    /// killed refill left unfinished (only when no refill is running).
    /// Finishes interrupted claims first. Returns the entries removed.
    @discardableResult
    public func prune() throws -> [String] {
        try FileManager.default.createDirectory(atPath: statePath, withIntermediateDirectories: true)
        let refillLock = try FileLock(path: statePath + "/refill.lock")
        let noRefill = refillLock.tryLock()
        defer { if noRefill { refillLock.unlock() } }
        return try prune(includingUnfinished: noRefill)
    }

    private func prune(includingUnfinished: Bool) throws -> [String] {
        try repository.metadataLock.withLock {
            try rollForwardInterruptedClaims()
            if includingUnfinished {
                for file in list(statePath) where file.hasPrefix("draft-") {
                    try? FileManager.default.removeItem(atPath: statePath + "/" + file)
                }
            }
            var removed: [String] = []
            let folders = Set(list(entriesPath).filter { $0.hasPrefix(Self.entryPrefix) })
            let registered = Set(list(registrations).filter { $0.hasPrefix(Self.entryPrefix) })
            for entry in folders.union(registered).sorted() {
                let complete = folders.contains(entry) && registered.contains(entry)
                    && (try? repository.git.isWorktreeValid(entry)) == true
                let unfinished = exists(registrations + "/" + entry + "/locked")
                if complete && !(unfinished && includingUnfinished) { continue }
                try removeHoldingMetadataLock(entry)
                removed.append(entry)
            }
            return removed
        }
    }

    /// Removes every entry (`gc --pool`, or `kanbots.pool` set to 0).
    public func empty() throws -> [String] {
        try repository.metadataLock.withLock {
            let entries = Set(list(entriesPath).filter { $0.hasPrefix(Self.entryPrefix) })
                .union(list(registrations).filter { $0.hasPrefix(Self.entryPrefix) })
            for entry in entries { try removeHoldingMetadataLock(entry) }
            return entries.sorted()
        }
    }

    private func removeHoldingMetadataLock(_ entry: String) throws {
        let path = entriesPath + "/" + entry
        if exists(path) { try FileManager.default.removeItem(atPath: path) }
        try repository.git.pruneWorktree(entry, removeFiles: false)
    }

    // MARK: Reading entries

    public struct EntryStatus: Sendable {
        public enum State: String, Sendable { case ready, stale, preparing }
        public var name: String
        public var state: State
        public var commit: String?
    }

    /// Every entry with its state against the base's tip.
    public func entries(baseTip: ObjectID?) -> [EntryStatus] {
        list(entriesPath).filter { $0.hasPrefix(Self.entryPrefix) }.sorted().map { entry in
            let commit = head(of: entry)
            let state: EntryStatus.State = !isReady(entry) ? .preparing : commit == baseTip?.hex ? .ready : .stale
            return EntryStatus(name: entry, state: state, commit: commit)
        }
    }

    /// Entries that are complete and unlocked, oldest name first.
    func readyEntries() -> [String] {
        list(entriesPath).filter { $0.hasPrefix(Self.entryPrefix) && isReady($0) }.sorted()
    }

    func isReady(_ entry: String) -> Bool {
        exists(entriesPath + "/" + entry + "/.git") && exists(registrations + "/" + entry + "/gitdir")
            && !exists(registrations + "/" + entry + "/locked")
    }

    /// The commit an entry's detached HEAD names.
    func head(of entry: String) -> String? {
        guard let text = try? String(contentsOfFile: registrations + "/" + entry + "/HEAD", encoding: .utf8) else { return nil }
        let line = text.trimmed()
        return ObjectID(hex: line)?.hex
    }

    private func entryLockPath(_ entry: String) -> String { statePath + "/" + entry + ".lock" }
    private func journalPath(_ name: String) -> String { statePath + "/" + Self.journalPrefix + name }

    private func list(_ folder: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    }

    private func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    private func renameIfNeeded(_ source: String, to target: String) throws {
        if exists(target) && !exists(source) { return }
        guard rename(source, target) == 0 else {
            throw KanbotsError.io("cannot move \(source) to \(target): \(String(cString: strerror(errno)))")
        }
    }

    private func writeAtomically(_ text: String, to path: String) throws {
        let folder = PathName.parent(of: path)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let temporary = folder + "/.tmp-\(getpid())-" + UUID().uuidString.prefix(8)
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)), rename(temporary, path) == 0 else {
            unlink(temporary)
            throw KanbotsError.io("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    private func injectFault(after step: Int) {
        if ProcessInfo.processInfo.environment[Self.faultVariable] == String(step) { kill(getpid(), SIGKILL) }
    }
}
