import KanbotsCore
import KanbotsStore

/// How `codex exec` is started for a run (docs/agents.md, "Codex").
///
/// Codex confines its own shell commands (`--sandbox workspace-write`): the
/// worktree is writable, the rest of the disk read-only. A linked worktree's
/// git data lives in the main repository's `.git`, outside that root, so the
/// folders a commit writes (`CommitAccess`) are added as writable roots;
/// without them the agent's own `git commit` fails with "Read-only file system".
///
/// Inside git-kanbots' own bubblewrap sandbox (`confined`), which already
/// allows exactly those places, Codex's sandbox is turned off
/// (`danger-full-access`): nested, it needs its `codex-linux-sandbox` helper,
/// which Codex refuses to create when `CODEX_HOME` is under the temporary
/// folder ("bwrap: execvp codex-linux-sandbox: No such file or directory").
enum CodexInvocation {
    static func arguments(
        record: RunRecord, prompt: String, decisions: DecisionServerLaunch?, commitAccess: CommitAccess?,
        confined: Bool
    ) -> [String] {
        var arguments = ["exec", "--json", "--skip-git-repo-check", "--sandbox", confined ? "danger-full-access" : "workspace-write"]
        if let commitAccess, !confined {
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
