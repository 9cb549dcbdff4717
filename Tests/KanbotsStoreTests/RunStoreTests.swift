import Foundation
import KanbotsCore
import KanbotsGit
import KanbotsStore
import KanbotsTestSupport
import Testing

/// The run store on a real repository, without the programs: every
/// transition is a commit on the run's ref, updates are compare-and-swap.
@Suite struct RunStoreTests {
    static func newRecord(_ id: RunID, base: String) -> RunRecord {
        RunRecord(id: id, card: 1, agent: "demo", model: nil, branch: RunRecord.branchName(card: 1, id: id),
                  worktree: ".kanbots/worktrees/" + RunRecord.worktreeName(card: 1, id: id), base: "main",
                  baseCommit: base, createdAt: Date(), host: "test-host", uuid: UUID().uuidString.lowercased())
    }

    @Test func eachTransitionIsACommitOnTheRunsRefAndReadsBack() throws {
        let scratch = try ScratchRepository()
        let repository = try scratch.open()
        let base = try scratch.git("rev-parse", "HEAD")
        let store = RunStore(repository)
        let clone = try #require(CloneTag("abcd"))
        let created = try store.create(clone: clone) { Self.newRecord($0, base: base) }
        #expect(created.id == RunID(number: 1, clone: clone))
        try store.transition(created.id, to: .running) { $0.ports = "20000-20009" }
        try store.transition(created.id, to: .completed)

        let read = try store.record(created.id)
        #expect(read.state == .completed && read.ports == "20000-20009")
        #expect(try store.history(created.id).compactMap { $0.record?.state } == [.queued, .running, .completed])
        // Plain git reads the same record.
        let message = try scratch.git("log", "-1", "--format=%B", "refs/kanbots/runs/\(created.id)")
        #expect(message.contains("State: completed") && message.contains("Ports: 20000-20009"))
        // The next run of this clone takes the next number.
        #expect(try store.create(clone: clone) { Self.newRecord($0, base: base) }.id.number == 2)
    }

    @Test func concurrentUpdatesOfOneRunLoseNothing() throws {
        let scratch = try ScratchRepository()
        let base = try scratch.git("rev-parse", "HEAD")
        let clone = try #require(CloneTag("wxyz"))
        let id = try RunStore(scratch.open()).create(clone: clone) { Self.newRecord($0, base: base) }.id
        let writers = 8
        let path = scratch.path
        DispatchQueue.concurrentPerform(iterations: writers) { index in
            // Each writer opens its own repository, as separate processes would.
            guard let repository = try? KanbotsRepository(discoveringFrom: path) else { return }
            _ = try? RunStore(repository).update(id) { record in
                record.addExitedService("service\(index)", status: "exited \(index)")
                return true
            }
        }
        let services = try RunStore(scratch.open()).record(id).exitedServices
        #expect(Set(services) == Set((0..<writers).map { "service\($0) exited \($0)" }), "\(services)")
    }

    @Test func aDiskFileBecomesAnAttachmentOfTheRecord() throws {
        let scratch = try ScratchRepository()
        let repository = try scratch.open()
        let base = try scratch.git("rev-parse", "HEAD")
        let store = RunStore(repository)
        let id = try store.create(clone: try #require(CloneTag("qrst"))) { Self.newRecord($0, base: base) }.id
        let file = scratch.path + "/setup-output.txt"
        try Data("installed 3 packages\n".utf8).write(to: URL(fileURLWithPath: file))
        try store.update(id, diskFiles: [RunRecord.setupLogFile: file]) { record in
            record.setup = ChecksResult(outcome: .passed, exitCode: 0, seconds: 1.5)
            return true
        }
        let attached = try #require(try store.attachment(RunRecord.setupLogFile, of: id))
        #expect(String(decoding: attached, as: UTF8.self) == "installed 3 packages\n")
        #expect(try store.record(id).setup?.outcome == .passed)
        #expect(try scratch.git("show", "refs/kanbots/runs/\(id):setup.log") == "installed 3 packages")
    }

    @Test func aDamagedLooseRunRefKeepsItsNumberAndIsNotWrittenOver() throws {
        let scratch = try ScratchRepository()
        let base = try scratch.git("rev-parse", "HEAD")
        let store = RunStore(try scratch.open())
        let clone = try #require(CloneTag("dmgd"))
        _ = try store.create(clone: clone) { Self.newRecord($0, base: base) }
        // Run 2's loose file holds garbage and nothing is packed behind it:
        // libgit2 lists no run 2 at all.
        let damaged = scratch.path + "/.git/refs/kanbots/runs/2-dmgd"
        try Data("garbage\n".utf8).write(to: URL(fileURLWithPath: damaged))

        let next = try store.create(clone: clone) { Self.newRecord($0, base: base) }
        #expect(next.id.number == 3)
        #expect(try String(contentsOfFile: damaged, encoding: .utf8) == "garbage\n")
    }
}
