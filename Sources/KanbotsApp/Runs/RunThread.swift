import Foundation
import KanbotsAgents
import KanbotsCore
import KanbotsGit
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

/// What a run changed: its commits and its diff against its merge base, as `git`
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
            in: repository.workingDirectory)
        guard result.succeeded else { throw KanbotsError.io("git log failed: \(result.complaint)") }
        return result.stdout.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 4 else { return nil }
            return Commit(id: parts[0], subject: parts[1], author: parts[2],
                          at: Date(timeIntervalSince1970: TimeInterval(parts[3]) ?? 0))
        }
    }

    /// The run's change as a range: from its merge base with the base's
    /// current tip (its recorded base commit when the base is gone), so what
    /// landed on the base meanwhile is not shown as the run's, to its branch tip.
    public func range() throws -> (base: ObjectID, tip: ObjectID) {
        let git = repository.git
        guard let tip = try git.referenceTarget("refs/heads/" + record.branch) else {
            throw KanbotsError.invalidArgument(
                "run \(record.id) has no branch \(record.branch) any more (\(record.state.rawValue)); nothing to diff")
        }
        let recorded = ObjectID(hex: record.baseCommit)
        let base = try git.resolveCommit(record.base).flatMap { try git.mergeBase(tip, $0) } ?? recorded ?? tip
        return (base, tip)
    }

    /// The unified diff of `range()` ("" when the branch is gone), as `git diff` shows it.
    public func diff() throws -> String {
        guard try tip() != nil else { return "" }
        return try diff(try range())
    }

    func diff(_ range: (base: ObjectID, tip: ObjectID)) throws -> String {
        let result = try GitProcess.run(
            ["diff", "--no-color", "--no-ext-diff", range.base.hex, range.tip.hex],
            in: repository.workingDirectory)
        guard result.succeeded else { throw KanbotsError.io("git diff failed: \(result.complaint)") }
        return result.stdout
    }
}

/// The board's diff view of a run (`GET /api/runs/RUN/diff`): `base` is the
/// merge base the diff starts from, as for `git kanbots diff`.
public struct DiffJSON: Encodable {
    public var base: String
    public var tip: String?
    public var commits: [RunChanges.Commit]
    public var diff: String

    public init(_ changes: RunChanges) throws {
        let range = try changes.tip() == nil ? nil : try changes.range()
        base = range?.base.hex ?? changes.record.baseCommit
        tip = range?.tip.hex
        commits = try changes.commits()
        diff = try range.map { try changes.diff($0) } ?? ""
    }
}
