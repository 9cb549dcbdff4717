import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A full disk, for real: the repository lives on a small tmpfs the test
/// mounts (tests run as root here and in CI; where mounting is not allowed
/// the test fails and says so). Whatever fills up, no run is left claimed
/// without its `failed` record, and nothing written before is damaged.
@Suite("full disk") struct FullDiskTests {
    @Test func dispatchOnAFullDiskFailsCleanlyAndClaimsNothing() throws {
        try withRepositoryOnTmpfs(megabytes: 16) { sandbox in
            let earlier = try sandbox.dispatch(1)
            _ = try sandbox.finishedRun(earlier.id)
            let before = try Snapshot(sandbox)
            let filler = try fill(sandbox.repo, leaving: 0)

            expectCleanError(try sandbox.kanbots("dispatch", "2"), mentioning: "no space left", "nothing was changed")
            #expect(try sandbox.runRefs() == [earlier.id])
            #expect(try Snapshot(sandbox) == before, "the board changed on a full disk")

            try FileManager.default.removeItem(atPath: filler)
            try expectUndamaged(sandbox, before)
        }
    }

    @Test func dispatchThatRunsOutOfSpaceAfterItsClaimRecordsTheRunFailed() throws {
        try withRepositoryOnTmpfs(megabytes: 16, largeFileMegabytes: 3) { sandbox in
            let before = try Snapshot(sandbox)
            // Room for the reserve and the claim, not for a 3 MB checkout.
            let filler = try fill(sandbox.repo, leaving: 1 << 20)

            expectCleanError(try sandbox.kanbots("dispatch", "1"), mentioning: "no space left", "recorded failed")
            let ids = try sandbox.runRefs()
            #expect(ids.count == 1, "\(ids)")
            for id in ids {
                #expect(try sandbox.lifecycle(id) == ["queued", "failed"], "claimed without its failed record")
                #expect(try sandbox.record(id)["Reason"]?.contains("no space left") == true)
                #expect(try sandbox.git("rev-parse", "--verify", "-q", "refs/heads/kanbots/issue-1-\(id)").status != 0)
                #expect(!sandbox.exists(".kanbots/worktrees/issue-1-\(id)"), "a half checkout was left")
            }
            try FileManager.default.removeItem(atPath: filler)
            #expect(try sandbox.board().cards.first?.column == "todo")
            try expectUndamaged(sandbox, before)
        }
    }

    @Test func aSupervisorThatCannotWriteItsTranscriptEndsTheRunFailed() throws {
        try withRepositoryOnTmpfs(megabytes: 16) { sandbox in
            let earlier = try sandbox.dispatch(1)
            _ = try sandbox.finishedRun(earlier.id)
            let before = try Snapshot(sandbox)
            // An agent that writes its stream until the disk is full, and on.
            let text = String(repeating: "x", count: 4000)
            try sandbox.installFakeAgent("claude", script: """
                #!/bin/sh
                line='{"type":"assistant","message":{"content":[{"type":"text","text":"\(text)"}]}}'
                while :; do echo "$line" || sleep 0.05; done
                """)
            let run = try sandbox.dispatch(2, ["--agent", "claude"])

            let ended = try sandbox.finishedRun(run.id, timeout: 120)
            #expect(ended.recordedState == "failed" && ended.reason == "disk_full", "\(ended)")
            #expect(sandbox.exists(".git/kanbots/runs/\(run.id)/transcript.ndjson"), "the transcript on disk was lost")
            #expect(!sandbox.exists(".git/kanbots/runs/\(run.id)/space.reserve"))
            try expectUndamaged(sandbox, before)
        }
    }

    // MARK: Support

    /// The earlier runs as the board shows them, and their records in git.
    struct Snapshot: Equatable {
        var runs: [String]
        var columns: [String: [Int]]
        var refs: String

        init(_ sandbox: Sandbox) throws {
            let board = try sandbox.board()
            runs = board.runs.map { "\($0.id) \($0.state) \($0.column) \($0.reason ?? "-")" }
            columns = board.columns
            refs = try sandbox.gitOK("for-each-ref", "--format=%(objectname) %(refname)", "refs/kanbots/runs/", "refs/heads/")
        }
    }

    /// `git fsck` is clean and every earlier run and ref is as it was.
    func expectUndamaged(_ sandbox: Sandbox, _ before: Snapshot,
                         sourceLocation: SourceLocation = #_sourceLocation) throws {
        let fsck = try sandbox.git("fsck", "--full", "--no-dangling")
        #expect(fsck.succeeded && fsck.stderr.isEmpty, "git fsck: \(fsck)", sourceLocation: sourceLocation)
        let after = try Snapshot(sandbox)
        for run in before.runs {
            #expect(after.runs.contains(run), "\(run) changed: \(after.runs)", sourceLocation: sourceLocation)
        }
        for line in before.refs.split(separator: "\n") {
            #expect(after.refs.contains(line), "ref changed: \(line)", sourceLocation: sourceLocation)
        }
        let kanbotsFsck = try sandbox.kanbots("fsck")
        #expect(kanbotsFsck.succeeded, "\(kanbotsFsck)", sourceLocation: sourceLocation)
    }

    /// A sandbox whose repository folder is a fresh tmpfs of `megabytes`,
    /// holding a real repository with two cards (and, optionally, a large
    /// incompressible file so a checkout needs room).
    func withRepositoryOnTmpfs(megabytes: Int, largeFileMegabytes: Int = 0, _ body: (Sandbox) throws -> Void) throws {
        try Sandbox.with(repository: false) { sandbox in
            let mount = try sandbox.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", sandbox.repo])
            guard mount.succeeded else {
                throw TestFailure("the full-disk tests mount a tmpfs and need root (or CAP_SYS_ADMIN): \(mount)")
            }
            defer {
                _ = try? sandbox.run(try KanbotsBinary.path(), ["stop", "--all", "--timeout", "5"], timeout: 30)
                _ = try? sandbox.run("/bin/umount", ["-l", sandbox.repo])
            }
            try sandbox.gitOK("init", "-q", "-b", "main")
            try sandbox.gitOK("config", "user.name", "Kanbots Test")
            try sandbox.gitOK("config", "user.email", "test@kanbots.invalid")
            try sandbox.write("README.md", "# Test project\n")
            if largeFileMegabytes > 0 {
                var bytes = [UInt8](repeating: 0, count: largeFileMegabytes << 20)
                for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255) }
                try Data(bytes).write(to: URL(fileURLWithPath: sandbox.path("large.bin")))
            }
            try sandbox.gitOK("add", ".")
            try sandbox.gitOK("commit", "-q", "-m", "Initial commit")
            try sandbox.initialize()
            _ = try sandbox.newCard("First")
            _ = try sandbox.newCard("Second")
            try body(sandbox)
        }
    }

    /// Fills the device holding `folder` until `bytes` are left; returns the
    /// filler file, whose removal frees the space again.
    func fill(_ folder: String, leaving bytes: Int) throws -> String {
        let slack = folder + "/.slack"
        if bytes > 0 { try Data(count: bytes).write(to: URL(fileURLWithPath: slack)) }
        let filler = folder + "/.filler"
        let descriptor = open(filler, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw TestFailure("cannot create \(filler)") }
        defer { close(descriptor) }
        let chunk = [UInt8](repeating: 0x2A, count: 1 << 16)
        for size in [1 << 16, 1 << 12, 1 << 9] {
            while chunk.withUnsafeBytes({ write(descriptor, $0.baseAddress, size) }) > 0 {}
        }
        if bytes > 0 { try FileManager.default.removeItem(atPath: slack) }
        return filler
    }
}
