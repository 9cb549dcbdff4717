import KanbotsCore

/// An advisory lock on a file (`flock`), released by the kernel when the
/// holder dies, even by `kill -9`. That property is what makes it the
/// liveness signal for supervisors: a stored pid can be reused, a lock cannot
/// outlive its process.
public final class FileLock {
    public let path: String
    public private(set) var descriptor: Int32

    /// Opens (creating if needed) the lock file without locking it.
    public init(path: String) throws {
        self.path = path
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw KanbotsError.io("cannot open lock \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Adopts a descriptor inherited from a parent process that holds the lock.
    public init(inheritedDescriptor: Int32, path: String) {
        self.path = path
        descriptor = inheritedDescriptor
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    /// Blocks until the lock is ours.
    public func lock() {
        while flock(descriptor, LOCK_EX) != 0 && errno == EINTR {}
    }

    /// Takes the lock if nobody holds it.
    public func tryLock() -> Bool { flock(descriptor, LOCK_EX | LOCK_NB) == 0 }

    public func unlock() { _ = flock(descriptor, LOCK_UN) }

    /// Whether some process holds the lock on `path` right now.
    /// A missing file means nobody does.
    public static func isHeld(at path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        // A shared probe does not block a holder of an exclusive lock from
        // being detected, and never steals the lock for longer than the call.
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            _ = flock(fd, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK || errno == EAGAIN
    }
}

/// The short lock that serialises git metadata mutations (creating branches,
/// registering worktrees): held for milliseconds, waited for, never refused.
public struct MetadataLock {
    let path: String

    public init(stateDirectory: String) {
        path = stateDirectory + "/metadata.lock"
    }

    public func withLock<T>(_ body: () throws -> T) throws -> T {
        let lock = try FileLock(path: path)
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
