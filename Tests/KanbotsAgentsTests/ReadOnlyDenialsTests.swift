import Testing

@testable import KanbotsAgents

@Suite struct ReadOnlyDenialsTests {
    @Test func pathsAreFoundInEveryToolsWording() {
        let text = """
            /tmp/agents/fake: 2: cannot create /tmp/x/home/evil.txt: Read-only file system
            /tmp/agents/fake: 3: cannot create /tmp/x/repo/.kanbots/worktrees/issue-1/evil.txt: Read-only file system
            touch: cannot touch '/repo/y': Read-only file system
            fatal: Unable to create '/repo/.git/index.lock': Read-only file system
            OSError: [Errno 30] Read-only file system: '/home/u/z'
            {"type":"item.completed","item":{"aggregated_output":"sh: 1: cannot create /srv/w: Read-only file system\\n"}}
            an unrelated line
            touch: cannot touch '/repo/y': Read-only file system
            """
        #expect(ReadOnlyDenials.paths(in: text) == [
            "/tmp/x/home/evil.txt", "/tmp/x/repo/.kanbots/worktrees/issue-1/evil.txt", "/repo/y",
            "/repo/.git/index.lock", "/home/u/z", "/srv/w",
        ])
    }

    /// aider-client keeps a command's whole output as one stream line.
    @Test func everyLineOfAnEscapedBlockCounts() {
        let line = #"{"text":"sh: 1: cannot create /a/evil.txt: Read-only file system\nrefused\nsh: 1: cannot create /b/evil.txt: Read-only file system","type":"aider_output"}"#
        #expect(ReadOnlyDenials.paths(in: line) == ["/a/evil.txt", "/b/evil.txt"])
    }
}
