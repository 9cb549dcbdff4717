import Foundation
import KanbotsCore
import KanbotsGit
import KanbotsReview
import KanbotsStore
import KanbotsTestSupport

/// A scratch repository with a twenty-line file on `main`, and finished runs
/// made as a supervisor would leave them: a `completed` record, and commits
/// of their own on their `kanbots/issue-N-ID` branch, made with plain git.
final class ReviewScratch {
    static let file = "notes.txt"
    static let lines = (1...20).map { "line \($0)" }

    let scratch: ScratchRepository
    let repository: KanbotsRepository
    let clone: CloneTag
    /// `main` when the runs were dispatched.
    let base: String

    init() throws {
        scratch = try ScratchRepository()
        clone = CloneTag.random()
        // Runs of this clone: the board treats runs of other clones as elsewhere.
        try scratch.git("config", "kanbots.clone", clone.value)
        try scratch.write(Self.lines.joined(separator: "\n") + "\n", to: Self.file)
        base = try scratch.commitAll("twenty lines")
        repository = try scratch.open()
    }

    /// A completed run of `card` whose one commit changes line `line` of the file to `text`.
    @discardableResult
    func completedRun(card: Int, line: Int, text: String) throws -> RunRecord {
        let store = RunStore(repository)
        let base = self.base
        let created = try store.create(clone: clone) { id in
            RunRecord(id: id, card: card, agent: "demo", model: nil, branch: RunRecord.branchName(card: card, id: id),
                      worktree: ".kanbots/worktrees/" + RunRecord.worktreeName(card: card, id: id), base: "main",
                      baseCommit: base, createdAt: Date(), host: KanbotsRepository.hostName,
                      uuid: UUID().uuidString.lowercased())
        }
        try store.transition(created.id, to: .running)
        var lines = Self.lines
        lines[line - 1] = text
        try commit(lines, on: created.branch, from: base, message: "run \(created.id): line \(line)")
        return try store.transition(created.id, to: .completed)
    }

    /// Commits the file's new content on `branch` (created at `start`),
    /// leaving the main checkout on a clean `main`.
    func commit(_ lines: [String], on branch: String, from start: String, message: String) throws {
        try scratch.git("switch", "-q", "-c", branch, start)
        try scratch.write(lines.joined(separator: "\n") + "\n", to: Self.file)
        try scratch.commitAll(message)
        try scratch.git("switch", "-q", "main")
    }

    /// Moves `main` on by one commit changing line `line`.
    func advanceMain(line: Int, text: String) throws {
        var lines = Self.lines
        lines[line - 1] = text
        try scratch.write(lines.joined(separator: "\n") + "\n", to: Self.file)
        try scratch.commitAll("main: line \(line)")
    }

    func board() throws -> Board { try BoardLoader(repository).load().board }

    func readiness() throws -> (board: Board, readiness: [RunID: Readiness]) {
        let board = try board()
        return (board, try ReadinessEvaluator(repository).evaluate(board))
    }

    /// The plan for `runs`, in that order, as `land --plan` makes it.
    func plan(_ runs: [RunRecord]) throws -> LandingPlan {
        let (board, readiness) = try readiness()
        let candidates = try runs.map { run in (view: try Self.view(run.id, on: board), readiness: readiness[run.id]) }
        return try LandingPlanner(repository).plan(candidates)
    }

    static func view(_ id: RunID, on board: Board) throws -> RunView {
        guard let view = board.runs.first(where: { $0.record.id == id }) else {
            throw ScratchFailure("run \(id) is not on the board")
        }
        return view
    }
}
