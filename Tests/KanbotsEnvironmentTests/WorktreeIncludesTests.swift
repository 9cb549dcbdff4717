import Foundation
import KanbotsStore
import KanbotsSystem
import KanbotsTestSupport
import Testing
@testable import KanbotsEnvironment

/// A main checkout with ignored files worth bringing along, and a worktree of it.
final class IncludeFixture {
    let scratch: ScratchRepository
    let worktree: String

    init(worktreeinclude: String? = ".env\n.venv/\n# local settings\nconfig/local.json\n*.cfg\n") throws {
        scratch = try ScratchRepository()
        try scratch.write(".env\n.venv/\nnode_modules/\nsecret.txt\nconfig/local.json\n*.cfg\ndata/\n", to: ".gitignore")
        var tracked = [".gitignore"]
        if let worktreeinclude {
            try scratch.write(worktreeinclude, to: WorktreeIncludes.fileName)
            tracked.append(WorktreeIncludes.fileName)
        }
        try scratch.write("committed\n", to: "tracked.cfg")
        try scratch.write("{}\n", to: "config/app.json")
        try scratch.git(["add", "-f", "tracked.cfg", "config/app.json"] + tracked)
        try scratch.git("-c", "user.name=T", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "ignores")
        worktree = scratch.path + "-worktree"
        try scratch.git("worktree", "add", "-q", "-b", "run", worktree)

        try scratch.write("KEY=1\n", to: ".env")
        try scratch.write("#!/bin/sh\n", to: ".venv/bin/python")
        try FileManager.default.createSymbolicLink(atPath: scratch.path + "/.venv/bin/python3", withDestinationPath: "python")
        try scratch.write("x = 1\n", to: ".venv/lib/site.py")
        try scratch.write("hush\n", to: "secret.txt")
        try scratch.write("module\n", to: "node_modules/a/index.js")
        try scratch.write("{}\n", to: "config/local.json")
        try scratch.write("local\n", to: "local.cfg")
        try scratch.write("edited in main\n", to: "tracked.cfg")
        try scratch.write("work in progress\n", to: "notes.txt")
        try scratch.write("big\n", to: "data/big.bin")
    }

    deinit { try? FileManager.default.removeItem(atPath: worktree) }

    func includes(links: [String] = []) -> WorktreeIncludes {
        WorktreeIncludes(mainCheckout: scratch.path, links: links)
    }

    func exists(_ relativePath: String) -> Bool {
        var info = stat()
        return lstat(worktree + "/" + relativePath, &info) == 0
    }

    func read(_ relativePath: String) -> String? { try? String(contentsOfFile: worktree + "/" + relativePath, encoding: .utf8) }
}


@Suite struct WorktreeIncludesTests {
    @Test func plansIgnoredIncludedPathsAndLinks() throws {
        let fixture = try IncludeFixture()
        #expect(try fixture.includes(links: ["data", "absent"]).plan() == [
            IncludedPath(path: ".env", kind: .copied),
            IncludedPath(path: ".venv", kind: .copied),
            IncludedPath(path: "config/local.json", kind: .copied),
            IncludedPath(path: "local.cfg", kind: .copied),
            IncludedPath(path: "data", kind: .linked),
        ])
    }

    @Test func appliesCopiesAndLinksButNothingElse() throws {
        let fixture = try IncludeFixture()
        let brought = try fixture.includes(links: ["data"]).apply(to: fixture.worktree)
        #expect(brought.map(\.path) == [".env", ".venv", "config/local.json", "local.cfg", "data"])
        #expect(fixture.read(".env") == "KEY=1\n")
        #expect(fixture.read(".venv/lib/site.py") == "x = 1\n")
        #expect(linkText(fixture.worktree + "/.venv/bin/python3") == "python")
        #expect(fixture.read("config/local.json") == "{}\n")
        #expect(linkText(fixture.worktree + "/data") == fixture.scratch.path + "/data")
        #expect(fixture.read("data/big.bin") == "big\n")
        // Ignored but not included; untracked but not ignored; tracked.
        #expect(!fixture.exists("secret.txt"))
        #expect(!fixture.exists("node_modules"))
        #expect(!fixture.exists("notes.txt"))
        #expect(fixture.read("tracked.cfg") == "committed\n")
    }

    @Test func whatTheWorktreeHasWins() throws {
        let fixture = try IncludeFixture()
        try "mine\n".write(toFile: fixture.worktree + "/.env", atomically: false, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: fixture.worktree + "/.venv/lib", withIntermediateDirectories: true)
        try "y = 2\n".write(toFile: fixture.worktree + "/.venv/lib/site.py", atomically: false, encoding: .utf8)
        let brought = try fixture.includes().apply(to: fixture.worktree)
        #expect(brought.map(\.path) == [".venv", "config/local.json", "local.cfg"])
        #expect(fixture.read(".env") == "mine\n")
        #expect(fixture.read(".venv/lib/site.py") == "y = 2\n")
        #expect(fixture.read(".venv/bin/python") == "#!/bin/sh\n")
    }

    @Test func withoutWorktreeincludeNothingIsCopied() throws {
        let fixture = try IncludeFixture(worktreeinclude: nil)
        #expect(try fixture.includes().plan().isEmpty)
        #expect(try fixture.includes(links: ["data"]).plan() == [IncludedPath(path: "data", kind: .linked)])
    }

    @Test(arguments: ["../x", "/../x", "a/../../x", "/etc/passwd"])
    func refusesAPatternOutsideTheRepository(pattern: String) throws {
        let fixture = try IncludeFixture(worktreeinclude: "# what runs need\n.env\n\(pattern)\n")
        #expect {
            try fixture.includes().plan()
        } throws: { error in
            "\(error)".contains(".worktreeinclude line 3") && "\(error)".contains(pattern) && !"\(error)".contains("\n")
        }
    }

    @Test func runsWorktreesAndThePoolAreNeverBrought() throws {
        let fixture = try IncludeFixture(worktreeinclude: "*.json\n")
        try fixture.scratch.write(".kanbots/\n", to: ".git/info/exclude")
        try fixture.scratch.write("{}\n", to: ".kanbots/pool/pool-ab/package.json")
        #expect(try fixture.includes().plan() == [IncludedPath(path: "config/local.json", kind: .copied)])
    }

    @Test func patternThatMatchesNothingIsFine() throws {
        let fixture = try IncludeFixture(worktreeinclude: ".env\nnot-there/\nsub/../.env\n")
        #expect(try fixture.includes().plan() == [IncludedPath(path: ".env", kind: .copied)])
    }

    @Test func aFailureRemovesWhatWasCreated() throws {
        let fixture = try IncludeFixture()
        // A file where a folder is needed: config/local.json cannot be placed,
        // after .env and .venv were.
        try FileManager.default.removeItem(atPath: fixture.worktree + "/config")
        try "not a folder\n".write(toFile: fixture.worktree + "/config", atomically: false, encoding: .utf8)
        #expect {
            try fixture.includes(links: ["data"]).apply(to: fixture.worktree)
        } throws: { error in
            "\(error)".contains("config") && "\(error)".contains("git kanbots setup") && !"\(error)".contains("\n")
                && !DiskSpace.isOutOfSpace(error)
        }
        #expect(!fixture.exists(".env"))
        #expect(!fixture.exists(".venv"))
        #expect(!fixture.exists("data"))
        #expect(fixture.read("config") == "not a folder\n")
    }

    @Test func aLinkOverSomethingExistingIsRefused() throws {
        let fixture = try IncludeFixture()
        try FileManager.default.createDirectory(atPath: fixture.worktree + "/data", withIntermediateDirectories: false)
        #expect {
            try fixture.includes(links: ["data"]).apply(to: fixture.worktree)
        } throws: { error in
            "\(error)".contains("kanbots.link 'data'") && !"\(error)".contains("\n")
        }
        #expect(!fixture.exists(".env"))
    }

    @Test func aFullDiskStaysRecognisable() {
        let error = WorktreeIncludeError(failure: FileCloningError("write /w/.venv/x", code: ENOSPC), worktree: "/w")
        #expect(DiskSpace.isOutOfSpace(error))
        #expect("\(error)".contains("free space, then `git kanbots setup RUN` or dispatch again"))
    }

    @Test func intersectionCoversFoldersBothWays() {
        #expect(IncludePaths.intersection([".venv/", "build/", "config/", "config/local.json", ".env"],
                                          [".venv/", "build/sub/k.o", "config/local.json", "node_modules/"])
            == [".venv", "build/sub/k.o", "config/local.json"])
        #expect(IncludePaths.intersection(["a/b/c.txt"], ["a/"]) == ["a/b/c.txt"])
    }
}
