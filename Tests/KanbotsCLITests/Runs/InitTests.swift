import Foundation
import Testing

@Suite("init") struct InitTests {
    /// Everything `init` may touch, to compare two runs of it.
    private func setupState(_ sandbox: Sandbox, hooks: String) throws -> [String: String] {
        var state: [String: String] = [:]
        for file in [hooks + "/pre-push", hooks + "/pre-push.kanbots-previous", ".git/info/exclude", ".git/config"] {
            state[file] = sandbox.read(file) ?? "<missing>"
            var info = stat()
            if stat(sandbox.path(file), &info) == 0 { state[file + " mode"] = String(info.st_mode, radix: 8) }
        }
        state["config"] = try sandbox.gitOK("config", "--get-regexp", "^kanbots")
        return state
    }

    private func isExecutable(_ path: String) -> Bool { access(path, X_OK) == 0 }

    @Test func installsHookExcludeAndConfigAndIsIdempotent() throws {
        try Sandbox.with(initialize: false) { sandbox in
            let first = try sandbox.gitKanbots("init")
            expectSuccess(first)
            #expect(first.stdout.contains("installed the pre-push hook"))

            let hook = sandbox.path(".git/hooks/pre-push")
            #expect(isExecutable(hook), "pre-push hook is not executable")
            #expect(sandbox.read(hook)?.contains("git-kanbots pre-push hook") == true)
            #expect(sandbox.read(hook)?.hasPrefix("#!/bin/sh") == true)
            let excludes = sandbox.read(".git/info/exclude")?.split(separator: "\n").map(String.init) ?? []
            #expect(excludes.contains(".kanbots/"), "exclude: \(excludes)")

            let config = try sandbox.gitOK("config", "kanbots.version")
            #expect(config == "1")
            let tag = try sandbox.cloneTag()
            #expect(RunIDs.isCloneTag(tag), "kanbots.clone = \(tag)")
            #expect(["demo", "claude", "codex"].contains(try sandbox.gitOK("config", "kanbots.agent")))
            #expect(Double(try sandbox.gitOK("config", "kanbots.cap")).map { $0 > 0 } == true)
            #expect(try sandbox.gitOK("config", "kanbots.source") == "local")
            #expect(try sandbox.gitOK("config", "kanbots.base") == "main")
            // git itself ignores the worktrees folder.
            try sandbox.write(".kanbots/worktrees/x/file", "x")
            #expect(try sandbox.gitOK("status", "--porcelain", "--untracked-files=all") == "")

            let before = try setupState(sandbox, hooks: ".git/hooks")
            let second = try sandbox.kanbots("init")
            expectSuccess(second)
            #expect(second.stdout.contains("nothing changed"), "\(second)")
            #expect(try setupState(sandbox, hooks: ".git/hooks") == before)
            #expect(sandbox.read(".git/info/exclude")?.components(separatedBy: ".kanbots/").count == 2,
                    "exclude line added twice")
        }
    }

    @Test func honoursRelativeCoreHooksPath() throws {
        try Sandbox.with(initialize: false) { sandbox in
            try sandbox.gitOK("config", "core.hooksPath", "githooks")
            expectSuccess(try sandbox.kanbots("init"))
            #expect(isExecutable(sandbox.path("githooks/pre-push")), "hook not installed in core.hooksPath")
            #expect(!sandbox.exists(".git/hooks/pre-push"), "hook installed in .git/hooks despite core.hooksPath")
            let before = try setupState(sandbox, hooks: "githooks")
            let again = try sandbox.kanbots("init")
            #expect(again.stdout.contains("nothing changed"), "\(again)")
            #expect(try setupState(sandbox, hooks: "githooks") == before)

            // git runs it from there: a run branch is refused.
            _ = try sandbox.addBareRemote()
            try sandbox.gitOK("branch", "kanbots/issue-1-1-abcd")
            let push = try sandbox.git("push", "origin", "kanbots/issue-1-1-abcd")
            #expect(!push.succeeded && push.stderr.contains("refusing to push"), "\(push)")
        }
    }

    @Test func keepsAnExistingPrePushHookAndStillRunsIt() throws {
        try Sandbox.with(initialize: false) { sandbox in
            let marker = sandbox.root + "/previous-hook-ran"
            let previous = "#!/bin/sh\n# the team's own hook\nprintf '%s\\n' \"$1\" >> '\(marker)'\ncat >> '\(marker)'\n"
            try sandbox.write(".git/hooks/pre-push", previous, executable: true)

            let result = try sandbox.kanbots("init")
            expectSuccess(result)
            #expect(result.stdout.contains("kanbots-previous"), "init does not say it kept the hook: \(result)")
            #expect(sandbox.read(".git/hooks/pre-push.kanbots-previous") == previous)
            #expect(isExecutable(sandbox.path(".git/hooks/pre-push.kanbots-previous")))
            #expect(sandbox.read(".git/hooks/pre-push")?.contains("git-kanbots pre-push hook") == true)

            let before = try setupState(sandbox, hooks: ".git/hooks")
            #expect(try sandbox.kanbots("init").stdout.contains("nothing changed"))
            #expect(try setupState(sandbox, hooks: ".git/hooks") == before)

            _ = try sandbox.addBareRemote()
            try sandbox.gitOK("checkout", "-q", "-b", "feature")
            let push = try sandbox.git("push", "origin", "feature")
            expectSuccess(push)
            let ran = (try? String(contentsOfFile: marker, encoding: .utf8)) ?? ""
            #expect(ran.contains("origin"), "previous hook did not get the remote name: '\(ran)'")
            #expect(ran.contains("refs/heads/feature"), "previous hook did not get the pushed refs: '\(ran)'")

            // The previous hook's verdict still counts.
            try sandbox.write(".git/hooks/pre-push.kanbots-previous", "#!/bin/sh\nexit 3\n", executable: true)
            try sandbox.gitOK("commit", "-q", "--allow-empty", "-m", "more")
            #expect(!(try sandbox.git("push", "origin", "feature")).succeeded, "a failing previous hook was ignored")
        }
    }

    @Test func worksFromInsideALinkedWorktree() throws {
        try Sandbox.with(initialize: false) { sandbox in
            let linked = sandbox.root + "/linked"
            try sandbox.gitOK("worktree", "add", "-q", "-b", "feature", linked)
            let result = try sandbox.gitKanbots("init", in: linked)
            expectSuccess(result)
            #expect(result.stdout.hasPrefix("Set up git-kanbots in \(sandbox.repo):"), "not the main worktree: \(result)")
            #expect(isExecutable(sandbox.path(".git/hooks/pre-push")), "hook not in the common hooks folder")
            #expect(sandbox.read(".git/info/exclude")?.contains(".kanbots/") == true)
            #expect(try sandbox.gitOK("config", "kanbots.version") == "1")
            // Seen from the main worktree, it is set up.
            #expect(try sandbox.kanbots("init").stdout.contains("nothing changed"))
            #expect(!FileManager.default.fileExists(atPath: linked + "/.kanbots"))
        }
    }
}
