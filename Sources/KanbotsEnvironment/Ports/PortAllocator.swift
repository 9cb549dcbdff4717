import KanbotsCore
import KanbotsStore
import KanbotsSystem

/// Hands each run a block of ports no other live run on the machine holds,
/// so fifty runs can each start the project's dev server and database
/// without colliding (docs/environment.md).
///
/// Why claim files and flock rather than a record in the repository: ports
/// belong to the machine, not to one repository, and a run's liveness is
/// its supervisor's lock (held until the process dies, even by `kill -9`),
/// so a crashed run's block frees itself without anyone cleaning up.
///
/// A claim is the file `<directory>/<first port>`, holding the owner's lock
/// path, the Unix time it was written and the block:
/// `/repo/.git/kanbots/runs/x/supervisor.lock\n1733350000\n20010-20019\n`.
/// The block line lets repositories with different `kanbots.port-range` or
/// `kanbots.ports-per-run` share the directory: a block is free only if it
/// overlaps no live claim, whoever's alignment made it.
public struct PortAllocator: Sendable {
    public var range: ClosedRange<Int>
    public var blockSize: Int
    public var directory: String
    /// How long a claim counts as live though no process holds its owner's
    /// lock: the dispatch that wrote it has not yet started the supervisor
    /// that will hold it.
    public var claimGrace: TimeInterval = 120

    public init(range: ClosedRange<Int>, blockSize: Int, directory: String = PortAllocator.defaultDirectory) {
        self.range = range
        self.blockSize = blockSize
        self.directory = directory
    }

    /// Machine-wide, shared by every repository on the machine:
    /// `KANBOTS_PORTS_DIR` when set (tests), else "/tmp/kanbots-ports-<uid>"
    /// (mode 700, created on demand).
    public static var defaultDirectory: String {
        if let configured = ProcessInfo.processInfo.environment["KANBOTS_PORTS_DIR"], !configured.isEmpty {
            return configured
        }
        return "/tmp/kanbots-ports-\(getuid())"
    }

    /// Allocates a block no live run holds, for the run whose supervisor lock
    /// file is `ownerLock` (an absolute path), under an flock on
    /// `<directory>/allocate.lock` so that concurrent dispatches, in any
    /// process, never get overlapping blocks. Blocks are aligned to
    /// `blockSize` from the range's start; the first free one whose ports all
    /// bind on 127.0.0.1 is claimed. Asked again for the same owner, it
    /// returns the block that owner already holds.
    public func allocate(ownerLock: String) throws -> PortBlock {
        guard blockSize >= 1, blockSize <= range.count else { throw PortAllocationError.blockLargerThanRange(range, blockSize) }
        return try withAllocationLock {
            let claims = readClaims()
            let now = Date().timeIntervalSince1970
            let own = claims.filter { $0.owner == ownerLock }
            if let kept = own.first(where: { $0.block.count == blockSize && range.contains($0.block.first)
                && range.contains($0.block.last) }) {
                return kept.block
            }
            // A claim of this owner's under other settings would hold its old block for nothing.
            own.forEach { unlink(directory + "/" + $0.name) }
            let others = claims.filter { $0.owner != ownerLock }
            let live = others.filter { isLive($0, now: now) }
            for first in stride(from: range.lowerBound, through: range.upperBound - blockSize + 1, by: blockSize) {
                let block = PortBlock(first: first, count: blockSize)
                guard !live.contains(where: { $0.block.overlaps(block) }), Self.canBind(block) else { continue }
                for stale in others where stale.block.overlaps(block) && !isLive(stale, now: now) {
                    unlink(directory + "/" + stale.name)
                }
                try writeClaim(block, owner: ownerLock, time: now)
                return block
            }
            throw PortAllocationError.exhausted(range, blockSize)
        }
    }

    /// Frees the block if `ownerLock` still owns it (a claim file naming
    /// another owner is left alone: the block was reused after this owner's
    /// claim went stale).
    public func release(_ block: PortBlock, ownerLock: String) {
        _ = try? withAllocationLock {
            if let claim = readClaim(named: String(block.first)), claim.owner == ownerLock {
                unlink(directory + "/" + claim.name)
            }
        }
    }

    /// Hands a block to a new owner: a dispatch allocates under its pending
    /// lock, which becomes the run's supervisor lock once the run exists.
    /// Does nothing if `ownerLock` no longer owns it.
    public func transfer(_ block: PortBlock, from ownerLock: String, to newOwner: String) throws {
        try withAllocationLock {
            guard let claim = readClaim(named: String(block.first)), claim.owner == ownerLock else { return }
            try writeClaim(claim.block, owner: newOwner, time: claim.time)
        }
    }

    /// Blocks currently taken by live claims, in port order (for tests and
    /// `git kanbots show`). Read without the lock: claims appear and go by
    /// rename and unlink, never half-written.
    public func takenBlocks() -> [PortBlock] {
        let now = Date().timeIntervalSince1970
        return readClaims().filter { isLive($0, now: now) }.map(\.block).sorted { $0.first < $1.first }
    }

    // MARK: Claims

    struct Claim {
        var name: String
        var owner: String
        var time: TimeInterval
        var block: PortBlock
    }

    private func isLive(_ claim: Claim, now: TimeInterval) -> Bool {
        now - claim.time < claimGrace || FileLock.isHeld(at: claim.owner)
    }

    private func readClaims() -> [Claim] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }.compactMap(readClaim(named:))
    }

    /// A claim whose text cannot be read counts as written long ago by
    /// nobody: stale, so it cannot hold its block forever.
    private func readClaim(named name: String) -> Claim? {
        guard let first = Int(name), let data = OpenFile(directory + "/" + name, .reading)?.readToEnd() else { return nil }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let owner = lines.first.map(String.init) ?? ""
        let time = lines.count > 1 ? TimeInterval(String(lines[1])) ?? 0 : 0
        let block = lines.count > 2 ? PortBlock(String(lines[2])) : nil
        return Claim(name: name, owner: owner, time: time, block: block ?? PortBlock(first: first, count: blockSize))
    }

    /// Written aside and renamed into place, so a reader sees a whole claim or none.
    private func writeClaim(_ block: PortBlock, owner: String, time: TimeInterval) throws {
        let temporary = directory + "/.claim-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw PortAllocationError.unusableDirectory(directory, String(cString: strerror(errno))) }
        let text = "\(owner)\n\(Int(time))\n\(block)\n"
        let written = text.utf8CString.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count - 1) }
        let reason = errno
        close(descriptor)
        guard written == text.utf8.count, rename(temporary, directory + "/\(block.first)") == 0 else {
            let detail = String(cString: strerror(written < 0 ? reason : errno))
            unlink(temporary)
            throw PortAllocationError.unusableDirectory(directory, detail)
        }
    }

    private func withAllocationLock<T>(_ body: () throws -> T) throws -> T {
        try ensureDirectory()
        let lock: FileLock
        do { lock = try FileLock(path: directory + "/allocate.lock") } catch {
            throw PortAllocationError.unusableDirectory(directory, "\(error)")
        }
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// Creates the directory private to us; refuses one that is not ours
    /// (in /tmp, another user could have made it to steer our claims).
    private func ensureDirectory() throws {
        if mkdir(directory, 0o700) != 0, errno != EEXIST {
            throw PortAllocationError.unusableDirectory(directory, String(cString: strerror(errno)))
        }
        var info = stat()
        guard lstat(directory, &info) == 0, info.st_mode & S_IFMT == S_IFDIR, info.st_uid == getuid() else {
            throw PortAllocationError.unusableDirectory(directory, "not a folder of this user's")
        }
    }

    // MARK: Ports in use

    /// Whether every port of the block can be bound on 127.0.0.1 right now:
    /// a port some other program listens on (a developer's own dev server)
    /// makes the whole block unusable for a run.
    static func canBind(_ block: PortBlock) -> Bool {
        (block.first...block.last).allSatisfy(canBind(port:))
    }

    static func canBind(port: Int) -> Bool { LoopbackSocket.isFree(port) }
}

/// Why no ports could be handed out, with the fix, on one line.
public enum PortAllocationError: ExplainedError, Equatable, Sendable {
    case exhausted(ClosedRange<Int>, Int)
    case blockLargerThanRange(ClosedRange<Int>, Int)
    case unusableDirectory(String, String)

    public var description: String {
        switch self {
        case .exhausted(let range, let size):
            let wider = range.upperBound < 65535
                ? "\(range.lowerBound)-\(min(65535, range.upperBound + range.count))"
                : "\(max(1024, range.lowerBound - range.count))-\(range.upperBound)"
            return "all \(range.count / size) port blocks of \(EnvironmentSettings.Key.portRange) "
                + "\(range.lowerBound)-\(range.upperBound) (\(size) ports each, \(EnvironmentSettings.Key.portsPerRun)) "
                + "are taken by live runs or in use; widen it (git config \(EnvironmentSettings.Key.portRange) \(wider)) or stop runs"
        case .blockLargerThanRange(let range, let size):
            return "\(EnvironmentSettings.Key.portsPerRun) is \(size), more than the \(range.count) ports of "
                + "\(EnvironmentSettings.Key.portRange) \(range.lowerBound)-\(range.upperBound); lower it or widen the range"
        case .unusableDirectory(let path, let reason):
            return "cannot keep port claims in \(path) (\(reason)); remove it, or set KANBOTS_PORTS_DIR to a folder of yours"
        }
    }
}
