import KanbotsCore
import KanbotsGit
import KanbotsSystem

/// Creates and removes the branch + worktree pair of a run.
public struct Worktrees {
    let repository: KanbotsRepository

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    /// Fails with a clear error when the branch or folder a run would use is
    /// already there (someone made it by hand): we never adopt or overwrite.
    public func checkFree(branch: String, folder: String) throws {
        if try repository.git.referenceTarget("refs/heads/" + branch) != nil { throw KanbotsError.branchExists(branch) }
        if FileManager.default.fileExists(atPath: repository.absolutePath(folder)) {
            throw KanbotsError.worktreeExists(folder)
        }
    }

    /// How a worktree came to be: moved in from the pool, or checked out.
    public enum Origin: Sendable { case pool, checkout }

    /// Creates `branch` at `base` and registers its worktree under the
    /// metadata lock (milliseconds), then checks the files out outside it so
    /// concurrent dispatches check out in parallel. With `fromPool`, a
    /// prepared worktree at `base` is claimed instead when one is ready
    /// (`WorktreePool`). On any failure, whatever this call created is
    /// removed again: no orphan branch or worktree.
    @discardableResult
    public func create(name: String, branch: String, folder: String, base: ObjectID, fromPool: Bool = false) throws -> Origin {
        let path = repository.absolutePath(folder)
        let branchRef = "refs/heads/" + branch
        try FileManager.default.createDirectory(
            atPath: PathName.parent(of: path), withIntermediateDirectories: true)
        do {
            let claimed = try repository.metadataLock.withLock { () -> Bool in
                try checkFree(branch: branch, folder: folder)
                if fromPool, try WorktreePool(repository).claim(name: name, branch: branch, folder: folder, base: base) {
                    return true
                }
                try repository.git.updateReference(branchRef, to: base, expecting: nil, message: "kanbots: dispatch")
                try repository.git.addWorktree(name: name, path: path, branchRef: branchRef)
                return false
            }
            if claimed { return .pool }
        } catch let error as KanbotsError {
            throw error
        } catch {
            try? remove(name: name, branch: branch, folder: folder, onlyIfAt: base)
            throw KanbotsError.io("could not create worktree \(folder): \(error)")
        }
        do {
            try Repository.open(at: path).checkOutHead()
        } catch {
            try? remove(name: name, branch: branch, folder: folder, onlyIfAt: base)
            throw KanbotsError.io("could not check out \(folder): \(error)")
        }
        return .checkout
    }

    /// A finished run's folder, checked out again from its branch when `gc`
    /// removed it (for `reply`, `check` and `open`). Returns whether it had to.
    @discardableResult
    public func ensureCheckedOut(_ record: RunRecord, tip: ObjectID) throws -> Bool {
        guard !FileManager.default.fileExists(atPath: repository.absolutePath(record.worktree)) else { return false }
        try restore(name: record.worktreeRegistration, branch: record.branch, folder: record.worktree, tip: tip)
        return true
    }

    /// Checks an existing branch out again into its run's folder (after `gc`
    /// removed it), registering the worktree anew under the metadata lock.
    public func restore(name: String, branch: String, folder: String, tip: ObjectID) throws {
        let path = repository.absolutePath(folder)
        try FileManager.default.createDirectory(
            atPath: PathName.parent(of: path), withIntermediateDirectories: true)
        try repository.metadataLock.withLock {
            try repository.git.pruneWorktree(name, removeFiles: false)
            try repository.git.addWorktree(name: name, path: path, branchRef: "refs/heads/" + branch)
        }
        do {
            try Repository.open(at: path).checkOutHead()
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            try? repository.metadataLock.withLock { try repository.git.pruneWorktree(name, removeFiles: false) }
            throw KanbotsError.io("could not check out \(folder) again: \(error)")
        }
    }

    /// Removes a run's worktree folder, its registration, and its branch.
    /// With `onlyIfAt`, the branch is deleted only if it still points there.
    public func remove(name: String, branch: String, folder: String, onlyIfAt: ObjectID? = nil) throws {
        let path = repository.absolutePath(folder)
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        try repository.metadataLock.withLock {
            try repository.git.pruneWorktree(name, removeFiles: false)
            let branchRef = "refs/heads/" + branch
            if let tip = try repository.git.referenceTarget(branchRef) {
                if let onlyIfAt, tip != onlyIfAt { return }
                try repository.git.deleteReference(branchRef, expecting: tip)
            }
        }
    }

    /// Bytes used by a folder tree, for `gc` to report what it freed.
    public static func diskUsage(_ path: String) -> Int64 {
        guard let items = try? FileManager.default.subpathsOfDirectory(atPath: path) else { return 0 }
        var total: Int64 = 0
        for item in items {
            var info = stat()
            if lstat(path + "/" + item, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG { total += Int64(info.st_size) }
        }
        return total
    }
}
