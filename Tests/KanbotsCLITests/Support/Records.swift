import Foundation

/// One run as `board --json` / `status --json` print it. Keys are spelled out
/// so a renamed key fails the decode.
struct RunInfo: Decodable, Sendable {
    var id: String
    var card: Int
    var state: String
    /// Null for a run known only from its branch (`orphaned`).
    var recordedState: String?
    var reason: String?
    var column: String
    var branch: String
    var branchExists: Bool
    var worktree: String
    var base: String
    var baseCommit: String
    var ahead: Int?
    var behind: Int?
    var costUSD: Double
    var supervisor: String
    var startedAt: String?
    var endedAt: String?

    enum CodingKeys: String, CodingKey {
        case id, card, state, reason, column, branch, worktree, base, ahead, behind, supervisor
        case recordedState = "recorded_state", branchExists = "branch_exists", baseCommit = "base_commit"
        case costUSD = "cost_usd", startedAt = "started_at", endedAt = "ended_at"
    }

    static let activeStates: Set<String> = ["queued", "running", "awaiting_decision"]
    static let terminalStates: Set<String> = ["completed", "failed", "cancelled", "discarded", "promoted", "merged"]

    var isRecordedActive: Bool { recordedState.map(Self.activeStates.contains) ?? false }
}

struct BoardCardInfo: Decodable, Sendable {
    var number: Int
    var title: String?
    var column: String
    var latestRun: String?
    var runs: Int

    enum CodingKeys: String, CodingKey {
        case number, title, column, runs
        case latestRun = "latest_run"
    }
}

struct BoardInfo: Decodable, Sendable {
    var columns: [String: [Int]]
    var cards: [BoardCardInfo]
    var runs: [RunInfo]
    var unreadable: [String]

    func run(_ id: String) throws -> RunInfo {
        guard let run = runs.first(where: { $0.id == id }) else {
            throw TestFailure("run \(id) is not on the board (runs: \(runs.map(\.id)))")
        }
        return run
    }
}

struct CardInfo: Decodable, Sendable {
    var number: Int
    var title: String
    var body: String
    var state: String
    var lane: String
    var after: [Int]
    var runs: [String]?
}

/// What `dispatch` printed.
struct DispatchedRun: Sendable {
    var id: String
    var branch: String
    /// Absolute path, as printed.
    var worktree: String

    /// Reads the text form: `run ID started on card #N with AGENT`, then
    /// `branch NAME` and `worktree PATH` lines.
    init(parsing result: CommandResult) throws {
        var id: String?, branch: String?, worktree: String?
        for line in result.stdoutLines {
            let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            if words.count >= 3, words[0] == "run", words[2] == "started" { id = words[1] }
            if words.count == 2, words[0] == "branch" { branch = words[1] }
            if words.count >= 2, words[0] == "worktree" { worktree = words.dropFirst().joined(separator: " ") }
        }
        guard let id, let branch, let worktree else {
            throw TestFailure("cannot read the run id, branch and worktree from dispatch's output: \(result)")
        }
        self.id = id
        self.branch = branch
        self.worktree = worktree
    }
}

enum JSON {
    static func decode<T: Decodable>(_ type: T.Type, from result: CommandResult) throws -> T {
        guard result.succeeded else { throw TestFailure("expected JSON from a successful command: \(result)") }
        do {
            return try JSONDecoder().decode(type, from: Data(result.stdout.utf8))
        } catch {
            throw TestFailure("cannot decode \(type) (\(error)) from: \(result)")
        }
    }

    /// The raw object, for checking which keys are present.
    static func object(from result: CommandResult) throws -> Any {
        do {
            return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        } catch {
            throw TestFailure("not JSON (\(error)): \(result)")
        }
    }
}

/// A record as kept in a commit message: a subject, then `Key: value` lines.
struct Trailers: Sendable {
    var subject: String
    var fields: [String: String]

    /// Nil when a body line is not `Key: value` (what the product calls corrupt).
    init?(_ message: String) {
        let lines = message.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let first = lines.first, !first.isEmpty else { return nil }
        subject = first
        fields = [:]
        for line in lines.dropFirst() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else { return nil }
            var value = line[line.index(after: colon)...]
            if value.first == " " { value = value.dropFirst() }
            fields[String(line[..<colon])] = String(value)
        }
    }

    subscript(key: String) -> String? { fields[key] }
}

/// Run ids: `<number>-<clone tag>`.
enum RunIDs {
    static func isWellFormed(_ id: String) -> Bool {
        let parts = id.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let number = Int(parts[0]), number > 0 else { return false }
        return isCloneTag(String(parts[1]))
    }

    static func isCloneTag(_ tag: String) -> Bool {
        let alphabet = Set("abcdefghjkmnpqrstuvwxyz23456789")
        return tag.count == 4 && tag.first!.isLetter && tag.allSatisfy { alphabet.contains($0) }
    }

    static func number(_ id: String) -> Int? { id.split(separator: "-").first.flatMap { Int($0) } }
}
