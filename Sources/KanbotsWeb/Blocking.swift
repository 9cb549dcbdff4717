import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs blocking work (libgit2, waiting for a run to stop, spawning a
/// supervisor) on a thread of its own, so that Swift concurrency's few shared
/// threads keep serving the event streams meanwhile.
enum Blocking {
    /// For actions: at the priority the CLI runs at, because their work starts
    /// supervisors and agents, which inherit it. (Dispatch's worker threads on
    /// Linux carry a nice value of their quality of service; this does not.)
    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await onThread(nice: 0, work)
    }

    /// For reads: at a lower priority, so that pages reloading the board
    /// never slow down the agents and supervisors they watch.
    static func read<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await onThread(nice: 4, work)
    }

    private static func onThread<T: Sendable>(nice: Int32, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                #if os(Linux)
                // Linux keeps a nice value per thread, and `who` 0 names the calling
                // thread (man 2 setpriority, BUGS). Raising priority may be refused: harmless.
                _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice)
                #endif
                continuation.resume(with: Result { try work() })
            }
            thread.qualityOfService = nice > 0 ? .utility : .default
            thread.start()
        }
    }
}
