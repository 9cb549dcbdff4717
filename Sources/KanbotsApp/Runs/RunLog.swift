import Foundation
import KanbotsCore
import KanbotsStore
import KanbotsSupervisor
import KanbotsSystem

/// A run's transcript as `git kanbots log` reads it: the live stream while
/// the run is on this machine, else the redacted copy stored with its
/// record; with `follow`, line by line as the agent writes until the run ends.
/// The front end decides how each line looks (raw NDJSON or `RunThread`'s text).
public struct RunLog {
    public let repository: KanbotsRepository
    public let run: RunID

    public init(_ run: RunID, in repository: KanbotsRepository) {
        self.repository = repository
        self.run = run
    }

    public enum Event {
        /// One NDJSON line of the agent's stream, as it was written.
        case line(Data)
        /// A write outside the card's scope, flagged while following (each path once).
        case outOfScope(String)
        /// The run has no transcript: its agent has not started yet (`stillActive`) or never did.
        case noTranscript(stillActive: Bool)
    }

    /// Delivers the transcript to `deliver`; with `follow`, keeps delivering
    /// until the run ends (or its supervisor is gone).
    public func read(follow: Bool, _ deliver: (Event) -> Void) throws {
        let store = RunStore(repository)
        let loader = BoardLoader(repository)
        var flagged = Set<String>()
        func reportScope(_ current: RunRecord) {
            for path in current.scopeViolations where flagged.insert(path).inserted { deliver(.outOfScope(path)) }
        }
        let livePath = repository.transcriptPath(run)
        // A run in an engine's job: its checkpoints arrive through the remote.
        if follow, try store.record(run).executor.isRemote, !FileManager.default.fileExists(atPath: livePath) {
            return try followRemote(deliver)
        }
        // A run just dispatched has no stream yet: wait for its agent to start.
        while follow, !FileManager.default.fileExists(atPath: livePath) {
            let current = try store.record(run)
            guard current.state.isActive, loader.liveness(of: current) != .gone else { break }
            sleepThread(seconds: 0.1)
        }
        guard FileManager.default.fileExists(atPath: livePath) else {
            guard let stored = try store.attachment("transcript.ndjson", of: run) else {
                deliver(.noTranscript(stillActive: try store.record(run).state.isActive))
                return
            }
            for line in stored.split(separator: 0x0A) { deliver(.line(Data(line))) }
            if follow { reportScope(try store.record(run)) }
            return
        }
        let tail = TranscriptTail(path: livePath)
        while follow {
            let lines = tail.readLines()
            for line in lines { deliver(.line(line)) }
            guard lines.isEmpty else { continue }
            let current = try store.record(run)
            reportScope(current)
            if current.state.isFinished || loader.liveness(of: current) == .gone { break }
            sleepThread(seconds: 0.2)
        }
        // The rest, to the end of the file (the tail hands it out in slices):
        // all of it without --follow, what the run wrote before it ended with.
        tail.readRemainingLines { deliver(.line($0)) }
        if let remainder = tail.takeRemainder() { deliver(.line(remainder)) }
        if follow { reportScope(try store.record(run)) }
    }

    /// A remote run's transcript, from the checkpoints its job pushes: only
    /// that run's record is fetched, once a second, until the run ends.
    func followRemote(_ deliver: (Event) -> Void) throws {
        let store = RunStore(repository)
        let loader = BoardLoader(repository)
        let remote = try Synchronizer(repository, remote: Settings(repository).executorRemote)
        var delivered = 0
        while true {
            remote.fetchRun(run)
            let current = try store.record(run)
            if let stored = try store.attachment("transcript.ndjson", of: run) {
                let lines = stored.split(separator: 0x0A)
                lines.dropFirst(delivered).forEach { deliver(.line(Data($0))) }
                delivered = max(delivered, lines.count)
            }
            if current.state.isFinished || loader.liveness(of: current) == .gone { return }
            sleepThread(seconds: 1)
        }
    }
}
