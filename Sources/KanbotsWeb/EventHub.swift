import Foundation

/// One change pushed to the pages over Server-Sent Events (docs/web.md).
public struct ServerEvent: Sendable, Equatable {
    /// `board` (refs, notes or live status changed: reload the board) or
    /// `thread` (a run's transcript grew; `run` says which).
    public var name: String
    public var run: String?

    /// The event as it goes on the wire.
    var wire: String {
        let data = run.map { "{\"run\":\"\($0)\"}" } ?? "{}"
        return "event: \(name)\ndata: \(data)\n\n"
    }
}

/// Hands every event to every open stream. A slow page gets the newest
/// events only (a reload of the board makes older ones moot).
final class EventHub: @unchecked Sendable {
    private let lock = NSLock()
    private var subscribers: [UUID: AsyncStream<ServerEvent>.Continuation] = [:]
    private var boardChanges = 0

    /// How many `board` events there have been: the board's version.
    var boardVersion: Int { lock.withLock { boardChanges } }

    func subscribe() -> AsyncStream<ServerEvent> {
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(of: ServerEvent.self, bufferingPolicy: .bufferingNewest(64))
        continuation.onTermination = { [weak self] _ in
            guard let self else { return }
            self.lock.withLock { _ = self.subscribers.removeValue(forKey: id) }
        }
        lock.withLock { subscribers[id] = continuation }
        return stream
    }

    func publish(_ event: ServerEvent) {
        let targets = lock.withLock {
            if event.name == "board" { boardChanges += 1 }
            return Array(subscribers.values)
        }
        for continuation in targets { continuation.yield(event) }
    }

    var subscriberCount: Int { lock.withLock { subscribers.count } }
}
