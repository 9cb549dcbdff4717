import Foundation
import Testing

/// The worktree pool prepares environments before any dispatch
/// (docs/environment.md): included files copied and setup run in the
/// background, kept across base moves that leave `kanbots.setup-inputs`
/// alone, prepared again when they change.
@Suite("pool environments") struct PoolEnvironmentTests {
    /// A setup that counts its runs in a file outside the repository and
    /// leaves a virtualenv (whose `pyvenv.cfg` names the folder it was made in).
    static func configureCountedSetup(_ sandbox: Sandbox) throws -> String {
        let counter = sandbox.root + "/setup-count"
        try sandbox.write(".gitignore", ".venv/\n.env\n")
        try sandbox.write("requirements.txt", "click==8.1.8\n")
        try sandbox.gitOK("add", ".gitignore", "requirements.txt")
        try sandbox.gitOK("commit", "-q", "-m", "requirements")
        try sandbox.write(".env", "SECRET_KEY=dev")
        try sandbox.write(".worktreeinclude", ".env\n")
        try sandbox.gitOK("config", "--add", "kanbots.setup", "echo run >> \(shellQuoted(counter))")
        try sandbox.gitOK("config", "--add", "kanbots.setup", "python3 -m venv --without-pip .venv")
        try sandbox.gitOK("config", "--add", "kanbots.setup-inputs", "requirements*.txt")
        return counter
    }

    static func count(_ sandbox: Sandbox, _ counter: String) -> Int {
        (sandbox.read(counter) ?? "").split(separator: "\n").count
    }

    @Test func aDispatchTakesAPreparedEntryWithoutRunningSetupAndItsPathsAreRelocated() throws {
        try Sandbox.with(cards: ["Prepared"]) { sandbox in
            let counter = try Self.configureCountedSetup(sandbox)
            try sandbox.enablePool(1)
            #expect(Self.count(sandbox, counter) == 1, "the refill did not prepare the entry once")
            let entry = try #require(try sandbox.poolEntries().first)
            #expect(sandbox.read(entry + "/.env") == "SECRET_KEY=dev")
            #expect(sandbox.read(entry + "/.venv/pyvenv.cfg") != nil)

            try sandbox.installFakeAgent("claude", script: EnvironmentAgent.script(report: sandbox.root + "/report"))
            let run = try sandbox.dispatch(1, ["--agent", "claude"])
            let info = try sandbox.finishedRun(run.id)
            #expect(info.state == "completed")
            let record = try sandbox.record(run.id)
            #expect(record["Setup-Source"] == "pool", "\(record.fields)")
            #expect(try sandbox.recordText(run.id).contains("Included: copied .env"))
            let seen = sandbox.keyValues(sandbox.root + "/report")
            #expect(seen["venv"] == "yes" && seen["dotenv"] == "SECRET_KEY=dev", "\(seen)")
            // The setup did not run for the dispatch (the refill after it may prepare a new entry).
            let config = sandbox.read(run.worktree + "/.venv/pyvenv.cfg") ?? ""
            #expect(!config.contains(entry), "pyvenv.cfg still names the pool entry: \(config)")
        }
    }

    @Test func aBaseMoveKeepsThePreparedEnvironmentUnlessTheSetupInputsChanged() throws {
        try Sandbox.with { sandbox in
            let counter = try Self.configureCountedSetup(sandbox)
            try sandbox.enablePool(1)
            #expect(Self.count(sandbox, counter) == 1)

            // An unrelated change moves the base: the entry follows, no setup.
            try sandbox.write("README.md", "changed\n")
            try sandbox.gitOK("add", "README.md")
            try sandbox.gitOK("commit", "-q", "-m", "unrelated")
            try sandbox.kanbotsOK("pool", "refill")
            #expect(Self.count(sandbox, counter) == 1, "setup ran again for an unrelated change")
            let entry = try #require(try sandbox.poolEntries().first)
            #expect(sandbox.read(entry + "/README.md") == "changed\n", "the entry did not move to the new base")
            #expect(sandbox.read(entry + "/.venv/pyvenv.cfg") != nil)

            // A setup input changes: setup runs again.
            try sandbox.write("requirements-dev.txt", "pytest\n")
            try sandbox.gitOK("add", "requirements-dev.txt")
            try sandbox.gitOK("commit", "-q", "-m", "dev requirements")
            try sandbox.kanbotsOK("pool", "refill")
            #expect(Self.count(sandbox, counter) == 2, "setup did not run again after requirements-dev.txt appeared")

            // So does a change of the setup commands themselves.
            try sandbox.gitOK("config", "--add", "kanbots.setup", "true")
            try sandbox.write("README.md", "again\n")
            try sandbox.gitOK("commit", "-qam", "another")
            try sandbox.kanbotsOK("pool", "refill")
            #expect(Self.count(sandbox, counter) == 3)
        }
    }

    /// An included file edited in the main checkout after the pool
    /// prepared its entries: the next dispatch sees the edit (the entry's
    /// copy is brought again, its link made again), as does a refill.
    @Test func anIncludedFileEditedAfterThePoolPreparedIsBroughtAgain() throws {
        try Sandbox.with(cards: ["Edited env"]) { sandbox in
            _ = try Self.configureCountedSetup(sandbox)
            try sandbox.write("data/shared.txt", "shared\n")
            try sandbox.write(".gitignore", ".venv/\n.env\ndata/\n")
            try sandbox.gitOK("commit", "-qam", "data is ignored")
            try sandbox.gitOK("config", "kanbots.link", "data")
            try sandbox.enablePool(1)
            let entry = try #require(try sandbox.poolEntries().first)
            #expect(sandbox.read(entry + "/.env") == "SECRET_KEY=dev")

            try sandbox.write(".env", "SECRET_KEY=rotated")
            try sandbox.installFakeAgent("claude", script: EnvironmentAgent.script(report: sandbox.root + "/report"))
            let run = try sandbox.dispatch(1, ["--agent", "claude"])
            let info = try sandbox.finishedRun(run.id)
            #expect(info.state == "completed", "\(info)")
            #expect(sandbox.keyValues(sandbox.root + "/report")["dotenv"] == "SECRET_KEY=rotated")
            #expect(sandbox.read(run.worktree + "/data/shared.txt") == "shared\n")

            // A refill after a base move brings the edit into the entries too.
            try sandbox.write(".env", "SECRET_KEY=again")
            try sandbox.write("README.md", "moved\n")
            try sandbox.gitOK("add", "README.md")
            try sandbox.gitOK("commit", "-q", "-m", "move the base")
            try sandbox.kanbotsOK("pool", "refill")
            for entry in try sandbox.poolEntries() {
                #expect(sandbox.read(entry + "/.env") == "SECRET_KEY=again", "stale .env in \(entry)")
            }
        }
    }

    @Test func aDispatchWithoutAPreparedEntryRunsTheSetupItself() throws {
        try Sandbox.with(cards: ["No pool"]) { sandbox in
            let counter = try Self.configureCountedSetup(sandbox)
            try sandbox.installFakeAgent("claude", script: EnvironmentAgent.script(report: sandbox.root + "/report"))
            let run = try sandbox.dispatch(1, ["--agent", "claude"])
            #expect(try sandbox.finishedRun(run.id).state == "completed")
            #expect(Self.count(sandbox, counter) == 1)
            let record = try sandbox.record(run.id)
            #expect(record["Setup"] == "passed" && record["Setup-Source"] == nil, "\(record.fields)")
            #expect(sandbox.keyValues(sandbox.root + "/report")["venv"] == "yes")
        }
    }
}

/// Checks outside a live run get the environment too: `check` in a worktree
/// `gc` removed and checked out again, and `land --check`'s temporary
/// worktree of the merge.
@Suite("checks outside a run's environment") struct CheckEnvironmentTests {
    @Test func checkAfterGCAndLandCheckRunTheSetupAndSeeTheIncludedFiles() throws {
        try Sandbox.with(cards: ["Add CSV export"]) { sandbox in
            try EnvironmentTests.makePythonProject(sandbox)
            let counter = sandbox.root + "/setup-count"
            try sandbox.gitOK("config", "--add", "kanbots.setup", "echo run >> \(shellQuoted(counter)); python3 -m venv --without-pip .venv")
            try sandbox.gitOK("config", "--add", "kanbots.check", ".venv/bin/python app.py && test -f .env")
            try sandbox.installFakeAgent("claude", script: ReviewAgent.script())
            let run = try sandbox.dispatch(1, ["--agent", "claude"])
            #expect(try sandbox.reviewedRun(try sandbox.finishedRun(run.id).id).checks?.outcome == "passed")
            #expect(PoolEnvironmentTests.count(sandbox, counter) == 1)

            expectSuccess(try sandbox.kanbots("gc"))
            #expect(!sandbox.exists(run.worktree), "gc kept the worktree")
            let checked = try sandbox.kanbots("check", run.id)
            expectSuccess(checked)
            #expect(checked.stdout.contains("checks passed"), "\(checked)")
            #expect(PoolEnvironmentTests.count(sandbox, counter) == 2, "the restored worktree was not set up")

            let landed = try sandbox.kanbots("land", run.id, "--check")
            expectSuccess(landed)
            #expect(PoolEnvironmentTests.count(sandbox, counter) == 3, "land --check's worktree was not set up")
            #expect(try sandbox.gitOK("show", "main:work.txt").contains("done by"), "the run did not land")
        }
    }
}
