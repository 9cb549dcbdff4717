import Foundation
import KanbotsCore
import KanbotsGit
import KanbotsStore
import KanbotsTestSupport
import Testing

/// The worktree pool on a real repository, with a preparer that counts
/// what the pool asks of it (the environment's real one runs setup commands;
/// this one records calls and writes what it was told to).
@Suite struct WorktreePoolTests {
    final class CountingPreparer: PoolEntryPreparing, @unchecked Sendable {
        var prepared: [String] = []
        var refreshed: [String] = []

        func prepareNew(worktree: String, registration: String) -> PreparationResult {
            prepared.append(worktree)
            let relocation = WorktreePool.Relocation(preparedAt: worktree, files: [".venv/pyvenv.cfg"])
            FileManager.default.createFile(atPath: registration + "/" + WorktreePool.Relocation.fileName,
                                           contents: Data(relocation.text.utf8))
            return .setUp
        }

        func refresh(worktree: String, registration: String) -> PreparationResult {
            refreshed.append(worktree)
            return .unchanged
        }
    }

    @Test func newEntriesArePreparedOnceAndMovedEntriesRefreshed() throws {
        let scratch = try ScratchRepository()
        let repository = try scratch.open()
        try scratch.git("config", "kanbots.pool", "2")
        let pool = WorktreePool(repository)
        let preparer = CountingPreparer()
        let first = try #require(try repository.git.resolveCommit("main"))
        try pool.refill(base: first, environment: preparer)
        #expect(preparer.prepared.count == 2 && preparer.refreshed.isEmpty)
        #expect(pool.entries(baseTip: first).map(\.state) == [.ready, .ready])

        // Full again: nothing to prepare.
        try pool.refill(base: first, environment: preparer)
        #expect(preparer.prepared.count == 2 && preparer.refreshed.isEmpty)

        // The base moves: both entries follow it and are asked to refresh.
        try scratch.write("changed\n", to: "README")
        let second = try #require(ObjectID(hex: try scratch.commitAll("main moves")))
        try pool.refill(base: second, environment: preparer)
        #expect(preparer.prepared.count == 2 && preparer.refreshed.count == 2)
        #expect(pool.entries(baseTip: second).map(\.state) == [.ready, .ready])
    }

    @Test func aClaimedEntryKeepsWhatItsPreparationRecorded() throws {
        let scratch = try ScratchRepository()
        let repository = try scratch.open()
        try scratch.git("config", "kanbots.pool", "1")
        let pool = WorktreePool(repository)
        let base = try #require(try repository.git.resolveCommit("main"))
        let preparer = CountingPreparer()
        try pool.refill(base: base, environment: preparer)
        let entryPath = try #require(preparer.prepared.first)

        let claimed = try repository.metadataLock.withLock {
            try pool.claim(name: "issue-1-1-abcd", branch: "kanbots/issue-1-1-abcd",
                           folder: ".kanbots/worktrees/issue-1-1-abcd", base: base)
        }
        #expect(claimed)
        let registration = repository.commonDirectory + "/worktrees/issue-1-1-abcd"
        let relocation = try #require(WorktreePool.Relocation.read(registration: registration))
        #expect(relocation.preparedAt == entryPath && relocation.files == [".venv/pyvenv.cfg"])
        #expect(FileManager.default.fileExists(atPath: repository.absolutePath(".kanbots/worktrees/issue-1-1-abcd/README")))
        #expect(try scratch.git("rev-parse", "kanbots/issue-1-1-abcd") == base.hex)
    }
}
