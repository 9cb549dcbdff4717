import Foundation
import KanbotsAgents
import KanbotsCore
import KanbotsStore
import KanbotsSupervisor

/// A run's thread as people read it: assistant text in full, tool calls one
/// line each, results abbreviated, the cost so far. `log` prints it line by
/// line as the stream grows; the web board shows the same lines.
public struct RunThread {
    public let repository: KanbotsRepository
    public let record: RunRecord
    private var renderer: TranscriptRenderer
    private var parser: any StreamParser
    private var lineNumber = 0

    public init(_ record: RunRecord, in repository: KanbotsRepository) throws {
        self.repository = repository
        self.record = record
        let prices = try AgentStreamMonitor.prices(settings: Settings(repository), repository: repository)
        renderer = TranscriptRenderer(
            prices: prices,
            sessionCostBeforeUSD: record.extraValue(RunRecord.sessionCostBeforeKey).flatMap(Double.init) ?? 0)
        parser = AgentKind(agent: record.agent, agentProtocol: record.agentProtocol).makeParser(model: record.model)
    }

    /// The readable lines one NDJSON line of the stream turns into.
    public mutating func render(_ line: Data) -> [String] {
        lineNumber += 1
        return renderer.render(parser.events(fromLine: line, lineNumber: lineNumber, byteOffset: 0))
    }

    /// The live transcript while the run is on this machine.
    public var livePath: String { repository.transcriptPath(record.id) }

    /// Every line of the stream so far: the live transcript, else the
    /// redacted copy stored with the record; nil when there is none yet.
    public func rawLines() throws -> [Data]? {
        if let live = FileManager.default.contents(atPath: livePath) {
            return Self.completeLines(live)
        }
        guard let stored = try RunStore(repository).attachment("transcript.ndjson", of: record.id) else { return nil }
        return Self.completeLines(stored)
    }

    /// The whole thread rendered so far (nil when the run has no transcript yet).
    public mutating func renderAll() throws -> [String]? {
        guard let lines = try rawLines() else { return nil }
        return lines.flatMap { render($0) }
    }

    /// Lines ended by a newline; a last line still being written is left for later.
    static func completeLines(_ data: Data) -> [Data] {
        var lines = data.split(separator: 0x0A, omittingEmptySubsequences: true).map { Data($0) }
        if data.last != 0x0A, !lines.isEmpty { lines.removeLast() }
        return lines
    }
}

/// What a run changed: its commits and its diff against the base, as `git`
/// shows them (read-only, through the `git` program so the output is git's own).
public struct RunChanges {
    public let repository: KanbotsRepository
    public let record: RunRecord

    public init(_ record: RunRecord, in repository: KanbotsRepository) {
        self.repository = repository
        self.record = record
    }

    public struct Commit: Encodable, Sendable {
        public var id: String
        public var subject: String
        public var author: String
        public var at: Date
    }

    /// The branch's tip, or nil when the branch is gone (discarded or merged away).
    public func tip() throws -> String? {
        try repository.git.referenceTarget("refs/heads/" + record.branch)?.hex
    }

    /// Commits on the branch since the base, newest first.
    public func commits(limit: Int = 200) throws -> [Commit] {
        guard let tip = try tip() else { return [] }
        let result = try GitProcess.run(
            ["log", "--max-count=\(limit)", "--format=%H%x1f%s%x1f%an%x1f%ct", "\(record.baseCommit)..\(tip)"],
            in: repository.workingDirectory, scratch: repository.stateDirectory)
        guard result.succeeded else { throw KanbotsError.io("git log failed: \(result.complaint)") }
        return result.stdout.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 4 else { return nil }
            return Commit(id: parts[0], subject: parts[1], author: parts[2],
                          at: Date(timeIntervalSince1970: TimeInterval(parts[3]) ?? 0))
        }
    }

    /// The unified diff from the base commit to the branch's tip ("" when none).
    public func diff() throws -> String {
        guard let tip = try tip() else { return "" }
        let result = try GitProcess.run(
            ["diff", "--no-color", "--no-ext-diff", record.baseCommit, tip],
            in: repository.workingDirectory, scratch: repository.stateDirectory)
        guard result.succeeded else { throw KanbotsError.io("git diff failed: \(result.complaint)") }
        return result.stdout
    }
}
