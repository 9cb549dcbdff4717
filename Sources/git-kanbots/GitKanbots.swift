import ArgumentParser
import Foundation
import KanbotsCore
import KanbotsEnvironment
import KanbotsStore

@main
struct GitKanbots: ParsableCommand {
    // Every command here names itself (`commandName:`): a name derived from
    // the type costs a scan of every protocol conformance in the binary,
    // at every start of every command.
    static let configuration = CommandConfiguration(
        commandName: "git-kanbots",
        abstract: "Run many AI coding agents on one repository, each in its own worktree, with git as the database.",
        discussion: """
            Git runs this program as `git kanbots`. Every run gets its own branch and worktree \
            (kanbots/issue-<card>-<run>), its state lives in refs/kanbots/* and refs/notes/kanbots, \
            and the board is computed from that state, never set by hand.

            Start with `git kanbots init`, file a card with `git kanbots card new "Title"`, \
            then `git kanbots dispatch <card>` and `git kanbots board`.
            """,
        version: "0.1.0",
        subcommands: [
            InitCommand.self, CardCommand.self, DispatchCommand.self, BoardCommand.self, StatusCommand.self,
            ShowCommand.self, LogCommand.self, ReplyCommand.self, DecisionsCommand.self, AnswerCommand.self,
            StopCommand.self, ReviewCommand.self, DiffCommand.self, OpenCommand.self, LandCommand.self,
            DiscardCommand.self, PromoteCommand.self, SyncCommand.self, ReconcileCommand.self,
            GCCommand.self, PoolCommand.self, FsckCommand.self, DemoCommand.self, CheckCommand.self, SetupCommand.self, InboxCommand.self, ServeCommand.self,
            AutopilotCommand.self, PersonaCommand.self, AgentsCommand.self,
            // Started by git-kanbots itself, hidden from help.
            McpCommand.self, ACPClientCommand.self, AiderClientCommand.self,
        ]
    )

    /// One line on stderr and a non-zero exit for every error we know; the
    /// parser's own errors keep their usage help.
    static func main() {
        defer { writeStats() }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as ExplainedError {
            writeStats()
            FileHandle.standardError.write(Data("git-kanbots: \(error)\n".utf8))
            Foundation.exit(1)
        } catch {
            writeStats()
            exit(withError: error)
        }
    }

    /// With `KANBOTS_STATS=<file>`, appends this process's compare-and-swap
    /// counts and the time it spent allocating ports (`writes=N retries=M
    /// ports_ms=T`), for the concurrency benchmark.
    static func writeStats() {
        guard let path = ProcessInfo.processInfo.environment["KANBOTS_STATS"] else { return }
        let line = "writes=\(Contention.writes) retries=\(Contention.retries) "
            + String(format: "ports_ms=%.3f", RunPorts.allocationSeconds * 1000) + " pid=\(getpid())\n"
        // One write on a descriptor opened to append: fifty processes at once
        // each add a whole line (seeking to the end first would let two of
        // them overwrite each other).
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        _ = line.utf8CString.withUnsafeBufferPointer { write(descriptor, $0.baseAddress, $0.count - 1) }
    }
}
