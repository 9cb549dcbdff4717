import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsCore
import KanbotsStore

struct ReplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reply",
        abstract: "Continue an ended run with a follow-up message, as a new run on the same branch.",
        discussion: """
            The new run works in the same worktree and on the same branch as the run it answers, \
            and continues the agent's own session where the agent can resume one (Claude Code \
            `--resume`, Codex `exec resume`), so the agent remembers what it did. It is supervised, \
            metered and capped like any run; its cost is its own, not the session's running total.

            The run being answered must have ended: `git kanbots stop <run>` first if it is still \
            working. Its record says which run it replies to (`Reply-To`), and the message is kept \
            with it (`git show refs/kanbots/runs/<new-run>:reply-message.txt`).

              git kanbots reply 7 "The tests pass now, but please also handle empty input."
              git kanbots reply 7 --message-file followup.md
            """
    )

    @Argument(help: "The run to continue.") var runID: String
    @Argument(help: "What the agent should do next.") var message: String?
    @Option(help: "Read the message from this file ('-' for standard input).") var messageFile: String?
    @Option(help: "Stop the new run once its metered cost passes this many USD (default: the answered run's cap).")
    var cap: Double?
    @Flag(help: "Print the new run as JSON.") var json = false

    func validate() throws {
        if message == nil, messageFile == nil { throw ValidationError("say what the agent should do next") }
    }

    func run() throws {
        let repository = try openRepository()
        let id = try resolveRun(runID, in: repository)
        let text = try readBody(body: message, bodyFile: messageFile) ?? ""
        try printStarted(try RunActions(repository).reply(id, message: text, cap: cap), in: repository, json: json)
    }
}
