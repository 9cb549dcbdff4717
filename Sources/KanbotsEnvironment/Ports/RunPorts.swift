import KanbotsCore
import KanbotsStore

/// A run's block of ports (`kanbots.ports-per-run` of `kanbots.port-range`),
/// held while the run's supervisor lives: allocated at dispatch, before the
/// run is claimed (so an exhausted range changes nothing), under the
/// dispatch's pending lock, then handed to the run's supervisor lock; given
/// back when the run ends, or by the reconcile that finds its supervisor dead.
public struct RunPorts {
    let repository: KanbotsRepository
    let settings: EnvironmentSettings

    public init(repository: KanbotsRepository, settings: EnvironmentSettings) {
        self.repository = repository
        self.settings = settings
    }

    var allocator: PortAllocator { PortAllocator(range: settings.portRange, blockSize: settings.portsPerRun) }

    /// Seconds this process spent allocating ports, for the concurrency
    /// benchmark (`KANBOTS_STATS`, scripts/bench-concurrent-dispatch.sh).
    nonisolated(unsafe) public static var allocationSeconds: Double = 0

    /// A block owned by the lock at `pendingLock` (held by the dispatch).
    public func allocate(pendingLock: String) throws -> PortBlock {
        let started = Date()
        defer { Self.allocationSeconds += Date().timeIntervalSince(started) }
        return try allocator.allocate(ownerLock: pendingLock)
    }

    /// Hands the block to run `id`'s supervisor lock, which `pendingLock` became.
    public func transfer(_ block: PortBlock, from pendingLock: String, to id: RunID) throws {
        try allocator.transfer(block, from: pendingLock, to: repository.supervisorLockPath(id))
    }

    /// Gives back a block the dispatch still holds (it failed before its run existed).
    public func release(_ block: PortBlock, pendingLock: String) {
        allocator.release(block, ownerLock: pendingLock)
    }

    /// Gives back the block a run holds, if it still holds it.
    public func release(_ record: RunRecord) {
        guard let block = record.ports.flatMap(PortBlock.init) else { return }
        allocator.release(block, ownerLock: repository.supervisorLockPath(record.id))
    }

    /// Same, for callers that may not be able to read the settings any more.
    public static func release(_ record: RunRecord, repository: KanbotsRepository) {
        guard let settings = try? EnvironmentSettings(Settings(repository)) else { return }
        RunPorts(repository: repository, settings: settings).release(record)
    }
}
