import Foundation
import KanbotsStore

/// Runs the `git` program for the few things that must go through it rather
/// than libgit2: a push (so the pre-push hook runs and remote credentials
/// work as the user set them up) and a merge in the main checkout (so git's
/// own safety checks on the working tree apply).
enum GitProcess {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var succeeded: Bool { status == 0 }

        /// The most telling line of git's complaint, for a one-line error.
        var complaint: String {
            let lines = (stderr + "\n" + stdout).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
            return lines.first { $0.hasPrefix("git-kanbots:") || $0.hasPrefix("fatal:") || $0.hasPrefix("error:")
                || $0.hasPrefix("CONFLICT") || $0.contains("rejected") } ?? lines.last ?? "exit status \(status)"
        }
    }

    static func run(_ arguments: [String], in directory: String, environment extra: [String: String] = [:],
                    scratch: String) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = ProcessInfo.processInfo.environment.merging(extra) { _, new in new }
        // Files rather than pipes: git's two streams can then never block each other.
        let stem = scratch + "/git-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: stem + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: stem + ".err", contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: stem + ".out")
            try? FileManager.default.removeItem(atPath: stem + ".err")
        }
        guard let out = FileHandle(forWritingAtPath: stem + ".out"), let err = FileHandle(forWritingAtPath: stem + ".err")
        else { throw KanbotsError.io("cannot create temporary files in \(scratch)") }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { throw KanbotsError.io("cannot run git: \(error.localizedDescription)") }
        process.waitUntilExit()
        try? out.close()
        try? err.close()
        let read = { (path: String) in String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self) }
        return Result(status: process.terminationStatus, stdout: read(stem + ".out"), stderr: read(stem + ".err"))
    }
}
