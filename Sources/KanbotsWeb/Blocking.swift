import Foundation

/// Runs blocking work (libgit2, waiting for a run to stop, spawning a
/// supervisor) on its own threads, so that Swift concurrency's few shared
/// threads keep serving the event streams meanwhile.
enum Blocking {
    private static let queue = DispatchQueue(label: "git-kanbots.web.work", qos: .userInitiated, attributes: .concurrent)

    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }
}
