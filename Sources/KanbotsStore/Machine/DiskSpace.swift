import KanbotsCore
import KanbotsSystem

/// Free space, and space set aside so that a run's last record can always be
/// written. A full disk must end a run as `failed` with the reason, never
/// leave it `queued` or `running` for want of the few kilobytes its final
/// record takes (docs/state-format.md, `runs/<id>/space.reserve`).
public enum DiskSpace {
    /// Below this, the device counts as full: an agent's next output line, or
    /// the next record, may not fit.
    public static let fullBelow: Int64 = 64 << 10
    /// What a reserve holds: several records, their ref locks and reflog lines.
    public static let reserveBytes = 256 << 10
    public static let reserveName = "space.reserve"

    /// Bytes an unprivileged writer can still use on the device holding `path`.
    public static func available(at path: String) -> Int64? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }

    public static func isFull(at path: String) -> Bool { (available(at: path) ?? .max) < fullBelow }

    /// Whether an error reads like a full device (libgit2 and Foundation
    /// report `ENOSPC` only in their message).
    public static func isOutOfSpace(_ error: Error) -> Bool {
        "\(error)".contains(String(cString: strerror(ENOSPC)))
    }

    /// Writes a file of `reserveBytes` at `path`. Throws `diskFull` when the
    /// device cannot hold it: the caller has not changed anything yet.
    public static func reserve(at path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw KanbotsError.io("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let chunk = [UInt8](repeating: 0, count: 64 << 10)
        var written = 0
        while written < reserveBytes {
            let count = chunk.withUnsafeBytes { write(descriptor, $0.baseAddress, min($0.count, reserveBytes - written)) }
            guard count > 0 else {
                let reason = errno
                unlink(path)
                if reason == ENOSPC || reason == EDQUOT {
                    throw KanbotsError.diskFull(path: PathName.parent(of: path), detail: "nothing was changed")
                }
                throw KanbotsError.io("cannot write \(path): \(String(cString: strerror(reason)))")
            }
            written += count
        }
    }

    /// Frees a reserve so the record it was kept for can be written.
    public static func release(at path: String) { unlink(path) }
}
