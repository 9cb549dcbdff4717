import KanbotsCore
import KanbotsStore

/// A run's block of ports (`kanbots.ports-per-run` of `kanbots.port-range`),
/// held while the run's supervisor lives: allocated at dispatch, before the
/// run is claimed, so an exhausted range changes nothing; given back when
/// the run ends, or by the reconcile that finds its supervisor dead.
public struct RunPorts {
    let repository: KanbotsRepository
    let settings: EnvironmentSettings

    public init(repository: KanbotsRepository, settings: EnvironmentSettings) {
        self.repository = repository
        self.settings = settings
    }

    var allocator: PortAllocator { PortAllocator(range: settings.portRange, blockSize: settings.portsPerRun) }

    /// A block for run `id`, owned by its supervisor's lock.
    public func allocate(for id: RunID) throws -> PortBlock {
        try allocator.allocate(ownerLock: repository.supervisorLockPath(id))
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
