import Foundation
import Testing
@testable import KanbotsEnvironment

@Suite struct PathRelocationTests {
    @Test func onlyWholePathsAreFound() {
        let needle = Array("/x/pool-ab".utf8)
        let text = Array("#!/x/pool-ab/bin/python\n/x/pool-abc /x/pool-ab.old /x/pool-ab\n\"/x/pool-ab\" /y/x/pool-ab_2".utf8)
        let found = PathRelocation.occurrences(of: needle, in: text)
        #expect(found.map { String(decoding: text[$0..<($0 + needle.count + 1)].suffix(1), as: UTF8.self) } == ["/", "\n", "\""])
        #expect(PathRelocation.occurrences(of: needle, in: Array("tail /x/pool-ab".utf8)) == [5])
    }

    /// What the worktree pool does: a virtualenv prepared in one folder is
    /// moved to another and must still run.
    @Test func aMovedVirtualenvRunsAfterRelocation() throws {
        let scratch = try ScratchFolder()
        let old = scratch.path + "/pool-ab", new = scratch.path + "/issue-7-fix"
        #expect(try run("/usr/bin/env", ["python3", "-m", "venv", old + "/.venv"]).status == 0)
        try scratch.write("see \(old)c/x and \(old)/src\n", to: "pool-ab/notes.txt")
        try scratch.write("\(old)c/only-a-longer-name\n", to: "pool-ab/other.txt")
        try scratch.write("\(old)/.git\n", to: "pool-ab/.git/config")
        try FileManager.default.createSymbolicLink(atPath: old + "/.venv/bin/own-python", withDestinationPath: old + "/.venv/bin/python")

        let files = PathRelocation.files(mentioning: old)
        #expect(files.contains(".venv/pyvenv.cfg"))
        #expect(files.contains(".venv/bin/pip"))
        #expect(files.contains("notes.txt"))
        #expect(files.contains(".venv/bin/own-python"))
        #expect(!files.contains("other.txt"))
        #expect(!files.contains { $0.hasPrefix(".git") || $0.hasSuffix(".pyc") })
        #expect(files == files.sorted())

        try FileManager.default.moveItem(atPath: old, toPath: new)
        let changed = try PathRelocation.relocate(files, from: old, to: new)
        #expect(changed == files.count)

        let pip = try run(new + "/.venv/bin/pip", ["--version"])
        #expect(pip.status == 0)
        #expect(pip.output.contains(new + "/.venv/"))
        #expect(PathRelocation.files(mentioning: old, under: new).isEmpty)
        #expect(linkText(new + "/.venv/bin/own-python") == new + "/.venv/bin/python")
        #expect(scratch.read("issue-7-fix/notes.txt") == "see \(old)c/x and \(new)/src\n")
        #expect(scratch.read("issue-7-fix/other.txt") == "\(old)c/only-a-longer-name\n")
        let mode = (try FileManager.default.attributesOfItem(atPath: new + "/.venv/bin/pip"))[.posixPermissions] as? Int
        #expect(mode.map { $0 & 0o111 != 0 } == true)
    }

    @Test func aListedFileThatIsGoneIsSkipped() throws {
        let scratch = try ScratchFolder()
        #expect(try PathRelocation.relocate(["gone.txt"], from: "/old", to: scratch.path) == 0)
    }

    private func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
