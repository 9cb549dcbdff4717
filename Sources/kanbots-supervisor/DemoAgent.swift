import KanbotsCore
import KanbotsSystem

/// The built-in scripted agent (`kanbots-supervisor demo-agent --prompt P
/// [--model M]`): it edits a file, commits, and narrates in Claude Code's
/// stream-json format, so everything downstream (supervisor, cost meter,
/// log) runs on it exactly as on the real thing.
///
/// It lives in the lean executable because it stands in for an agent in the
/// demo, the tests and the dispatch benchmark: from here it starts in about
/// 4 ms, from git-kanbots in 11.
///
/// Environment knobs for tests: KANBOTS_DEMO_STEP_SECONDS (pause between
/// events, default 0.2), KANBOTS_DEMO_EXIT (exit status, default 0),
/// KANBOTS_DEMO_TURNS (extra tool turns, default 0), KANBOTS_DEMO_NO_EDIT=1
/// (change nothing).
struct DemoAgent {
    var prompt: String
    var model = "claude-haiku-4-5"

    /// `--prompt P [--model M]`, in any order; nil for anything else.
    init?<Arguments: Collection>(_ arguments: Arguments) where Arguments.Element == String {
        var words = Array(arguments)
        var prompt: String?
        while words.count >= 2 {
            let (flag, value) = (words.removeFirst(), words.removeFirst())
            switch flag {
            case "--prompt": prompt = value
            case "--model": model = value
            default: return nil
            }
        }
        guard words.isEmpty, let prompt else { return nil }
        self.prompt = prompt
    }

    func run() -> Never {
        let environment = ProcessInfo.processInfo.environment
        let step = environment["KANBOTS_DEMO_STEP_SECONDS"].flatMap(Double.init) ?? 0.2
        let exitStatus = environment["KANBOTS_DEMO_EXIT"].flatMap(Int32.init) ?? 0
        let extraTurns = environment["KANBOTS_DEMO_TURNS"].flatMap(Int.init) ?? 0
        let edits = environment["KANBOTS_DEMO_NO_EDIT"] != "1"
        let card = environment["KANBOTS_CARD"] ?? "0"
        var script = DemoScript(model: model, cwd: FileManager.default.currentDirectoryPath, step: step)

        script.start()
        script.say("I'll record this task in a notes file and commit it.")
        let file = "kanbots-demo/card-\(card).md"
        for turn in 0..<(edits ? 1 + extraTurns : extraTurns) {
            let content = "# Card \(card)\n\n\(prompt.split(separator: "\n").prefix(3).joined(separator: "\n"))\n\nturn \(turn + 1)\n"
            script.tool("Write", input: ["file_path": file, "content": content]) {
                if edits {
                    try? FileManager.default.createDirectory(atPath: "kanbots-demo", withIntermediateDirectories: true)
                    try? Data(content.utf8).write(to: URL(fileURLWithPath: file))
                }
                return "File created successfully at: \(file)"
            }
        }
        if edits {
            script.tool("Bash", input: ["command": "git add -A && git commit -m 'Record card \(card)'"]) {
                Self.commit(message: "Record card \(card)\n\nWritten by the git-kanbots demo agent.")
            }
        }
        script.say("Done: \(edits ? file + " is committed" : "nothing needed changing").")
        script.finish(isError: exitStatus != 0)
        exit(exitStatus)
    }

    /// Commits like a real agent would: with the git on PATH.
    static func commit(message: String) -> String {
        let git = ProcessLauncher.locate("git") ?? "/usr/bin/git"
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_AUTHOR_NAME"] = environment["GIT_AUTHOR_NAME"] ?? "git-kanbots demo agent"
        environment["GIT_AUTHOR_EMAIL"] = environment["GIT_AUTHOR_EMAIL"] ?? "demo-agent@git-kanbots.invalid"
        environment["GIT_COMMITTER_NAME"] = environment["GIT_COMMITTER_NAME"] ?? "git-kanbots demo agent"
        environment["GIT_COMMITTER_EMAIL"] = environment["GIT_COMMITTER_EMAIL"] ?? "demo-agent@git-kanbots.invalid"
        var output: [String] = []
        for arguments in [["add", "-A"], ["commit", "-q", "-m", message]] {
            let spec = ProcessSpec(executable: git, arguments: arguments, environment: environment)
            guard let pid = try? ProcessLauncher.spawn(spec) else { return "error: cannot run git" }
            let status = ExitStatus.wait(pid)
            output.append("git \(arguments[0]): \(status == .exited(0) ? "ok" : "failed")")
        }
        return output.joined(separator: "; ")
    }
}
