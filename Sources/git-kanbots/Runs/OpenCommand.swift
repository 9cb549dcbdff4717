import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsCore
import KanbotsEnvironment
import KanbotsGit
import KanbotsReview
import KanbotsStore
import KanbotsSystem

struct OpenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "open",
        abstract: "Open a run's worktree in your editor, or a shell in it.",
        discussion: """
            The editor is --editor, else git config kanbots.editor, else $VISUAL, else $EDITOR. \
            Known launchers (code, cursor, zed, idea, xed, subl) are started with the folder and \
            return at once; any other editor gets the folder as its argument and runs in this \
            terminal. With --shell, starts $SHELL inside the worktree with the run's variables \
            (KANBOTS_PORT, PORT, KANBOTS_RUN, KANBOTS_CARD, KANBOTS_WORKTREE); leave it with `exit`. \
            If `git kanbots gc` removed the worktree, the run's branch is checked out there again first.
            """
    )

    @Argument(help: "The run id (e.g. 7-k3qz, or 7 when unambiguous).") var runID: String
    @Option(help: "The editor command to use (e.g. code, \"vim -p\").") var editor: String?
    @Flag(help: "Start a shell in the worktree instead of an editor.") var shell = false

    static let launchers: Set<String> = ["code", "cursor", "zed", "idea", "xed", "subl"]

    func validate() throws {
        if shell, editor != nil { throw ValidationError("give --editor or --shell, not both") }
    }

    func run() throws {
        let repository = try openRepository()
        let id = try resolveRun(runID, in: repository)
        let record = try RunStore(repository).record(id)
        let folder = try Self.worktree(of: record, in: repository)
        let environment = ProcessInfo.processInfo.environment
        if shell {
            let program = environment["SHELL"].flatMap { $0.isEmpty ? nil : $0 } ?? "/bin/sh"
            FileHandle.standardError.write(Data("git-kanbots: a shell in \(folder) (run \(id)); `exit` returns\n".utf8))
            guard chdir(folder) == 0 else { throw KanbotsError.io("cannot enter \(folder)") }
            // The run's variables (KANBOTS_PORT, PORT, KANBOTS_RUN, …), as its agent and checks saw them.
            for (name, value) in RunVariables(record: record, worktree: folder).values { setenv(name, value, 1) }
            try execProgram(["/bin/sh", "-c", "exec \"$0\"", program])
        }
        let chosen = [editor, ReviewSettings(repository).editor, environment["VISUAL"], environment["EDITOR"]]
            .compactMap { $0?.trimmingCharacters(in: .whitespaces) }.first { !$0.isEmpty }
        guard let chosen else {
            throw KanbotsError.invalidArgument(
                "no editor configured; pass --editor code, or `git config kanbots.editor code`, or set $EDITOR (or use --shell)")
        }
        let program = chosen.split(separator: " ").first.map(String.init) ?? chosen
        guard ProcessLauncher.locate(program) != nil else {
            throw KanbotsError.invalidArgument(
                "the editor '\(program)' is not on PATH; install it, or choose another with --editor or `git config kanbots.editor`")
        }
        let name = (program as NSString).lastPathComponent
        if !Self.launchers.contains(name) { print("opening \(folder) with \(chosen)") }
        // Through the shell, so an editor set as "code --wait" or "vim -p" works as it does for git.
        try execProgram(["/bin/sh", "-c", chosen + " \"$@\"", chosen, folder])
    }

    /// The run's worktree folder, checked out again from its branch if `gc` removed it.
    static func worktree(of record: RunRecord, in repository: KanbotsRepository) throws -> String {
        let folder = repository.absolutePath(record.worktree)
        if FileManager.default.fileExists(atPath: folder) { return folder }
        guard let tip = try repository.git.referenceTarget("refs/heads/" + record.branch) else {
            throw KanbotsError.invalidArgument(
                "run \(record.id) has no worktree and no branch \(record.branch) any more (\(record.state.rawValue)); nothing to open")
        }
        if try Worktrees(repository).ensureCheckedOut(record, tip: tip) {
            FileHandle.standardError.write(Data("git-kanbots: checked \(record.branch) out again in \(folder)\n".utf8))
        }
        return folder
    }
}

/// Replaces this process with `arguments[0]`.
func execProgram(_ arguments: [String]) throws -> Never {
    FileHandle.standardOutput.synchronizeFile()
    let argv = arguments.map { strdup($0) } + [nil]
    execv(arguments[0], argv)
    throw KanbotsError.io("cannot run \(arguments[0]): \(String(cString: strerror(errno)))")
}
