import Foundation

/// The last `/api/board` answer, reused while the repository has not changed.
///
/// Twenty open pages reload the board on every change; computing it once per
/// change instead of once per page keeps the server from competing with the
/// agents for the CPU. It is derived and disposable: keyed by the watcher's
/// change count (a new count when any ref, status file or session changed),
/// and never older than `maxAge`, so a supervisor that died without writing
/// anything is still noticed (and recorded by the reconciler) within a second.
final class BoardCache: @unchecked Sendable {
    private let lock = NSLock()
    /// Held while one request computes the board; the others wait and reuse it.
    private let computing = NSLock()
    private var cached: (version: Int, at: Date, bytes: [UInt8])?
    let maxAge: TimeInterval

    /// The watcher's change count now.
    let currentVersion: @Sendable () -> Int

    init(maxAge: TimeInterval = 1, currentVersion: @escaping @Sendable () -> Int) {
        self.maxAge = maxAge
        self.currentVersion = currentVersion
    }

    /// The board for `version`, computed by `compute` only when no fresh one is kept.
    func board(version: Int, compute: () throws -> [UInt8]) throws -> [UInt8] {
        if let fresh = fresh(version) { return fresh }
        computing.lock()
        defer { computing.unlock() }
        if let fresh = fresh(version) { return fresh }
        // Read the version before computing: a change during the computation
        // makes the next request compute again.
        let current = currentVersion()
        let bytes = try compute()
        lock.withLock { cached = (max(version, current), Date(), bytes) }
        return bytes
    }

    /// Forgets the board: an action just changed the repository, and its
    /// page reloads the board before the watcher's next look.
    func invalidate() { lock.withLock { cached = nil } }

    private func fresh(_ version: Int) -> [UInt8]? {
        lock.withLock {
            // A board computed after a later change is as good: pages waiting
            // for one computation must not each start another.
            guard let cached, cached.version >= version, Date().timeIntervalSince(cached.at) < maxAge else { return nil }
            return cached.bytes
        }
    }
}
