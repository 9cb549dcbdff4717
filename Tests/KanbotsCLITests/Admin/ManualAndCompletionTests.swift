import Foundation
import Testing

/// git's conventions (issue 11, section 7): `git kanbots --help` is
/// `git help kanbots`, which needs a man page, and `git kanbots <TAB>`
/// needs completions. Installs both with the real script into a temporary
/// PREFIX and asks the real man and git's real bash completion.
@Suite("man page and completions") struct ManualAndCompletionTests {
    static let installer = Sandbox.packageRoot + "/scripts/install-manual-and-completions.sh"
    static let gitBashCompletion = "/usr/share/bash-completion/completions/git"

    /// A PREFIX with bin/git-kanbots (the binary under test) and what the script installs.
    static func installedPrefix(_ sandbox: Sandbox) throws -> String {
        let prefix = sandbox.root + "/prefix"
        try FileManager.default.createDirectory(atPath: prefix + "/bin", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: prefix + "/bin/git-kanbots", withDestinationPath: try KanbotsBinary.path())
        let installed = try sandbox.run(installer, [try KanbotsBinary.folder(), prefix], timeout: 600)
        guard installed.succeeded else { throw TestFailure("the installer failed: \(installed)") }
        return prefix
    }

    @Test func gitKanbotsHelpAndManFindTheInstalledPage() throws {
        try Sandbox.with { sandbox in
            let prefix = try Self.installedPrefix(sandbox)
            let path = "\(prefix)/bin:/usr/local/bin:/usr/bin:/bin"
            let located = try sandbox.run("/usr/bin/env", ["PATH=\(path)", "man", "-w", "git-kanbots"])
            #expect(located.succeeded && located.output == prefix + "/share/man/man1/git-kanbots.1", "\(located)")

            let environment = ["PATH": path, "MANPAGER": "cat", "PAGER": "cat", "GIT_PAGER": "cat", "MANWIDTH": "100"]
            let help = try sandbox.run("/usr/bin/env", ["git", "kanbots", "--help"], environment: environment)
            #expect(help.succeeded, "\(help)")
            #expect(help.stdout.contains("GIT-KANBOTS(1)") && help.stdout.contains("dispatch")
                && help.stdout.contains("--max-time"), "\(help.stdout.prefix(2000))")
            #expect(!help.stderr.contains("No manual entry") && !help.stderr.contains("warning"), "\(help.stderr)")
        }
    }

    @Test func bashCompletesGitKanbotsThroughGitsOwnCompletion() throws {
        try Sandbox.with { sandbox in
            let prefix = try Self.installedPrefix(sandbox)
            let script = """
                source \(shellQuoted(Self.gitBashCompletion))
                source \(shellQuoted(prefix + "/share/bash-completion/completions/git-kanbots"))
                complete_line() {
                    COMP_LINE="$1"; COMP_POINT=${#COMP_LINE}
                    read -ra COMP_WORDS <<< "$COMP_LINE"
                    [[ "$COMP_LINE" == *" " ]] && COMP_WORDS+=("")
                    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
                    COMPREPLY=()
                    __git_wrap__git_main git "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
                    printf '%s: %s\\n' "$1" "${COMPREPLY[*]}"
                }
                complete_line "git kanbots di"
                complete_line "git kanbots dispatch --max"
                complete_line "git kanbots card n"
                """
            let result = try sandbox.run("/usr/bin/env", ["PATH=\(prefix)/bin:/usr/bin:/bin", "bash", "-c", script])
            #expect(result.succeeded, "\(result)")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            #expect(lines.contains("git kanbots di: dispatch diff discard"), "\(result.stdout)")
            #expect(lines.contains("git kanbots dispatch --max: --max-time"), "\(result.stdout)")
            #expect(lines.contains("git kanbots card n: new"), "\(result.stdout)")

        }
    }

    /// What `git kanbots <TAB>` must offer in every shell, line by line.
    static let expectedCompletions: [(line: String, words: Set<String>)] = [
        ("git kanbots di", ["dispatch", "diff", "discard"]),
        ("git kanbots dispatch --max", ["--max-time"]),
        ("git kanbots card n", ["new"]),
    ]

    /// fish's git.fish does not hand `git kanbots` over by itself (3.6);
    /// the installed vendor_conf.d snippet does. fish finds vendor files
    /// through XDG_DATA_DIRS, as it would under PREFIX/share.
    @Test func fishCompletesGitKanbotsThroughGitsOwnCompletion() throws {
        try Sandbox.with { sandbox in
            let prefix = try Self.installedPrefix(sandbox)
            let lines = Self.expectedCompletions.map(\.line) + ["git-kanbots di", "git kanb"]
            let fish = try sandbox.run("/usr/bin/env", [
                "PATH=\(prefix)/bin:/usr/bin:/bin", "XDG_DATA_DIRS=\(prefix)/share:/usr/share", "HOME=\(sandbox.home)",
                "fish", "-c", lines.map { "echo '== \($0)'; complete -C '\($0)'" }.joined(separator: "; "),
            ])
            #expect(fish.succeeded, "\(fish)")
            let offered = Self.sections(fish.stdout)
            for (line, words) in Self.expectedCompletions {
                #expect(offered[line] == words, "\(line): \(fish.stdout)")
            }
            #expect(offered["git-kanbots di"] == ["dispatch", "diff", "discard"], "\(fish.stdout)")
            #expect(offered["git kanb"]?.contains("kanbots") == true, "\(fish.stdout)")
        }
    }

    /// zsh's own _git calls _git-kanbots; a real interactive zsh completes in
    /// a pseudo terminal (Tests/Fixtures/completion/zsh-complete.zsh).
    @Test func zshCompletesGitKanbotsThroughGitsOwnCompletion() throws {
        try Sandbox.with { sandbox in
            let prefix = try Self.installedPrefix(sandbox)
            let output = sandbox.root + "/zsh-completions.txt"
            let zsh = try sandbox.run("/usr/bin/env", [
                "PATH=\(prefix)/bin:/usr/bin:/bin", "HOME=\(sandbox.home)", "zsh", "-f",
                Sandbox.packageRoot + "/Tests/Fixtures/completion/zsh-complete.zsh",
                prefix + "/share/zsh/site-functions", output,
            ] + Self.expectedCompletions.map(\.line), timeout: 300)
            let text = sandbox.read(output) ?? ""
            #expect(zsh.succeeded, "\(zsh) \(text)")
            let offered = Self.sections(text)
            for (line, words) in Self.expectedCompletions {
                #expect(offered[line] == words, "\(line): \(text)")
            }
        }
    }

    /// `== LINE` headings, each followed by the words offered (the first
    /// tab-separated field; fish adds descriptions).
    static func sections(_ text: String) -> [String: Set<String>] {
        var sections: [String: Set<String>] = [:]
        var current: String?
        for line in text.split(separator: "\n").map(String.init) {
            if line.hasPrefix("== done") { current = nil; continue }
            if line.hasPrefix("== ") {
                current = String(line.dropFirst(3))
                sections[current!] = []
            } else if let heading = current {
                sections[heading]?.insert(String(line.split(separator: "\t").first ?? ""))
            }
        }
        return sections
    }
}
