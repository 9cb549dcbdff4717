import KanbotsCore
import KanbotsGit

/// Autopilot sessions in git: `refs/kanbots/sessions/<id>`, one commit per
/// event, written with compare-and-swap like run records. Machine-local
/// companions (the orchestrator's lock and live status) live in
/// `.git/kanbots/sessions/<id>/`.
public final class SessionStore {
    let repository: KanbotsRepository
    var git: Repository { repository.git }

    public static let refPrefix = "refs/kanbots/sessions/"

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    static func ref(_ id: String) -> String { refPrefix + id }

    public func directory(_ id: String) -> String { repository.stateDirectory + "/sessions/" + id }
    /// Held by the orchestrator for its whole life (flock): released by the
    /// kernel when it dies, even by `kill -9`, so a lost session shows at once.
    public func lockPath(_ id: String) -> String { directory(id) + "/orchestrator.lock" }
    public func statusPath(_ id: String) -> String { directory(id) + "/status.json" }

    public func create(_ session: AutopilotSession, event: String) throws {
        try FileManager.default.createDirectory(atPath: directory(session.id), withIntermediateDirectories: true)
        do {
            try RecordChain(git: git, ref: Self.ref(session.id)).create(
                message: session.message(event: event).text, files: [:], signature: git.defaultSignature())
        } catch let error as GitError where error.isContention {
            throw KanbotsError.invalidArgument("autopilot session \(session.id) already exists; try again")
        }
    }

    public func session(_ id: String) throws -> AutopilotSession {
        guard AutopilotSession.isValidID(id),
              let message = try RecordChain(git: git, ref: Self.ref(id)).tipMessage() else {
            throw KanbotsError.invalidArgument(
                "unknown autopilot session '\(id)'; `git kanbots autopilot status --all` lists them")
        }
        do {
            return try AutopilotSession(parsing: message)
        } catch let error as RecordError {
            throw KanbotsError.corruptRecord(ref: Self.ref(id), reason: error.description)
        }
    }

    /// Every readable session, oldest first.
    public func all() throws -> [AutopilotSession] {
        try git.references(matching: Self.refPrefix + "*")
            .compactMap { try? session(String($0.name.dropFirst(Self.refPrefix.count))) }
            .sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    /// Records an event with compare-and-swap; `change` returning false writes nothing.
    @discardableResult
    public func update(_ id: String, event: String, _ change: (inout AutopilotSession) throws -> Bool) throws
        -> AutopilotSession {
        var result: AutopilotSession?
        do {
            try RecordChain(git: git, ref: Self.ref(id)).update(signature: git.defaultSignature()) { message, _ in
                var session: AutopilotSession
                do {
                    session = try AutopilotSession(parsing: message)
                } catch let error as RecordError {
                    throw KanbotsError.corruptRecord(ref: Self.ref(id), reason: error.description)
                }
                guard try change(&session) else {
                    result = session
                    return nil
                }
                session.updatedAt = Date()
                result = session
                return (session.message(event: event).text, [:])
            }
        } catch RecordChainError.missing {
            throw KanbotsError.invalidArgument("unknown autopilot session '\(id)'")
        }
        return result!
    }

    /// The events of a session, oldest first (commit subjects).
    public func events(_ id: String) throws -> [(time: Date, subject: String)] {
        try RecordChain(git: git, ref: Self.ref(id)).history().map { commit in
            let subject = commit.message.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
            let session = try? AutopilotSession(parsing: commit.message)
            return (session?.updatedAt ?? Date.distantPast, subject)
        }
    }

    /// Whether the orchestrator of an active session is alive, from its lock.
    public func liveness(of session: AutopilotSession) -> Liveness {
        guard session.state.isActive else { return .gone }
        if !session.host.isEmpty, session.host != KanbotsRepository.hostName { return .elsewhere }
        return FileLock.isHeld(at: lockPath(session.id)) ? .alive : .gone
    }

    public func readStatus(_ id: String) -> OrchestratorStatus? {
        guard let data = FileManager.default.contents(atPath: statusPath(id)) else { return nil }
        return try? JSONDecoder.kanbots.decode(OrchestratorStatus.self, from: data)
    }

    /// Write-then-rename, so a reader never sees half a file.
    public func writeStatus(_ status: OrchestratorStatus, id: String) {
        let target = statusPath(id)
        let temporary = target + ".tmp"
        guard (try? JSONEncoder.kanbots.encode(status).write(to: URL(fileURLWithPath: temporary))) != nil else { return }
        rename(temporary, target)
    }
}

/// What the orchestrator sees between events: written every poll to
/// `status.json`, read by `autopilot status`. Machine-local and disposable.
public struct OrchestratorStatus: Codable, Sendable, Equatable {
    public var slots: Int
    public var active: Int
    public var spentUSD: Double
    /// Why new dispatches are held right now (rate limit, load, meter), if they are.
    public var holding: String?
    public var holdUntil: Date?
    public var updatedAt: Date
    /// Polls made by this orchestrator process so far.
    public var polls: Int

    public init(slots: Int, active: Int, spentUSD: Double, holding: String?, holdUntil: Date?, updatedAt: Date,
                polls: Int) {
        self.slots = slots
        self.active = active
        self.spentUSD = spentUSD
        self.holding = holding
        self.holdUntil = holdUntil
        self.updatedAt = updatedAt
        self.polls = polls
    }
}

