import Foundation
import KanbotsStore
import KanbotsSystem

/// Runs the `git` program for the few things that must go through it rather
/// than libgit2: a push (so the pre-push hook runs and remote credentials
/// work as the user set them up), a diff and a log as git prints them.
/// Started like every other child, through KanbotsSystem's launcher.
enum GitProcess {
    struct Result {
        var status: ExitStatus
        var stdout: String
        var stderr: String
        var succeeded: Bool { status == .exited(0) }

        /// The most telling line of git's complaint, for a one-line error.
        var complaint: String {
            let lines = (stderr + "\n" + stdout).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
            return lines.first { $0.hasPrefix("git-kanbots:") || $0.hasPrefix("fatal:") || $0.hasPrefix("error:")
                || $0.hasPrefix("CONFLICT") || $0.contains("rejected") } ?? lines.last ?? "\(status)"
        }
    }

    /// Runs `git ARGUMENTS` in `directory` with `extra` added to our
    /// environment, standard input empty, and returns what it printed.
    static func run(_ arguments: [String], in directory: String, environment extra: [String: String] = [:]) throws
        -> Result {
        guard let git = ProcessLauncher.locate("git") else { throw KanbotsError.io("cannot run git: it is not on PATH") }
        let captured: CapturedRun
        do {
            captured = try ProcessLauncher.run(
                git, arguments: arguments, in: directory,
                environment: ProcessInfo.processInfo.environment.merging(extra) { _, new in new })
        } catch {
            throw KanbotsError.io("cannot run git: \(error)")
        }
        return Result(status: captured.status, stdout: String(decoding: captured.output, as: UTF8.self),
                      stderr: String(decoding: captured.errorOutput, as: UTF8.self))
    }
}
