import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// Runs blocking work (libgit2, waiting for a run to stop, spawning a
/// supervisor) on NIO's thread pools, so that Swift concurrency's few shared
/// threads keep serving the event streams meanwhile.
///
/// Two pools rather than `NIOThreadPool.singleton`: a read lowers its
/// thread's priority, which an unprivileged process cannot raise again, so
/// reads and actions never share a thread; and the singleton has a thread per
/// core, too few for actions that each wait up to 15 s for a run to stop.
enum Blocking {
    /// Actions wait on supervisors, so many may be waiting at once; idle threads cost little.
    private static let actions = started(NIOThreadPool(numberOfThreads: 32))
    /// Reads are short: a few threads serve every page.
    private static let reads = started(NIOThreadPool(numberOfThreads: max(4, System.coreCount)))

    /// For actions: at the priority the CLI runs at, because their work starts
    /// supervisors and agents, which inherit it. (Dispatch's worker threads on
    /// Linux carry a nice value of their quality of service; these do not.)
    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await run(on: actions, nice: 0, work)
    }

    /// For reads: at a lower priority, so that pages reloading the board
    /// never slow down the agents and supervisors they watch.
    static func read<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await run(on: reads, nice: 4, work)
    }

    /// `submit` rather than `runIfActive`: work that was asked for is done
    /// even if the request goes away meanwhile, as a thread of its own did;
    /// only a pool shutting down refuses it.
    private static func run<T: Sendable>(on pool: NIOThreadPool, nice: Int32,
                                         _ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            pool.submit { state in
                guard case .active = state else { return continuation.resume(throwing: CancellationError()) }
                #if os(Linux)
                // Linux keeps a nice value per thread, and `who` 0 names the calling
                // thread (man 2 setpriority, BUGS). A pool thread inherits its creator's;
                // raising priority may be refused: harmless, as before.
                _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice)
                #endif
                continuation.resume(with: Result { try work() })
            }
        }
    }

    private static func started(_ pool: NIOThreadPool) -> NIOThreadPool {
        pool.start()
        return pool
    }
}
