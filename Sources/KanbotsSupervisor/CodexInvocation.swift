import Foundation
import KanbotsCore
import KanbotsStore

/// How `codex exec` is started for a run (docs/agents.md, "Codex").
///
/// Codex confines its own shell commands (`--sandbox workspace-write`): the
/// worktree is writable, the rest of the disk read-only. A linked worktree's
/// git data lives in the main repository's `.git`, outside that root, so the
/// folders a commit writes (`CommitAccess`) are added as writable roots;
/// without them the agent's own `git commit` fails with "Read-only file system".
enum CodexInvocation {
    static func arguments(
        record: RunRecord, prompt: String, decisions: DecisionServerLaunch?, commitAccess: CommitAccess?
    ) -> [String] {
        var arguments = ["exec", "--json", "--skip-git-repo-check", "--sandbox", "workspace-write"]
        if let commitAccess {
            let roots = commitAccess.writableFolders.map(DecisionServerLaunch.tomlString).joined(separator: ",")
            arguments += ["-c", "sandbox_workspace_write.writable_roots=[\(roots)]"]
        }
        if let decisions { arguments += decisions.codexOverrides }
        if let model = record.model { arguments += ["--model", model] }
        if let thread = record.sessionID, record.replyTo != nil || record.resumesSession {
            arguments += ["resume", thread]
        }
        arguments.append(prompt)
        return arguments
    }
}
