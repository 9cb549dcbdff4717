import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsCore
import KanbotsStore
import KanbotsSystem

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Try it out: a scratch repository, three cards, three agents in parallel, the board.",
        discussion: """
            Creates a scratch repository (in a temporary folder unless --path is given), sets it \
            up, files three cards, dispatches all three at once with the built-in demo agent, \
            waits for them and prints the board. Nothing outside the scratch folder is touched.
            """
    )

    @Option(help: "Where to create the scratch repository (must not exist yet).") var path: String?
    @Option(help: "Seconds to wait for the runs before giving up.") var timeout: Double = 120

    func run() throws {
        let folder = path ?? NSTemporaryDirectory() + "kanbots-demo-\(UUID().uuidString.prefix(8).lowercased())"
        guard !FileManager.default.fileExists(atPath: folder) else { throw KanbotsError.worktreeExists(folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        print("Scratch repository: \(folder)")
        try ScratchRepository.create(at: folder)

        let repository = try KanbotsRepository(discoveringFrom: folder)
        for change in try Setup(repository).run(defaultAgent: "demo") { print("  init: \(change)") }
        let titles = ["Add CSV export", "Fix the off-by-one in pagination", "Document the config file"]
        let cards = try titles.map { try CardStore(repository).create(title: $0, body: "Demo card: \($0.lowercased()).") }
        print("Filed cards " + cards.map { "#\($0.number)" }.joined(separator: ", "))

        print("Dispatching all three at once…")
        fflush(nil)  // our lines first, then the dispatches' own
        let pids = try cards.map { card -> pid_t in
            var spec = ProcessSpec(executable: ProcessLauncher.currentExecutable,
                                   arguments: ["dispatch", String(card.number), "--agent", "demo"],
                                   environment: ProcessInfo.processInfo.environment)
            spec.standardOutput = .descriptor(1)
            spec.standardError = .descriptor(2)
            return try spawnIn(folder, spec)
        }
        let failures = pids.map(ExitStatus.wait).filter { $0 != .exited(0) }
        if !failures.isEmpty { throw KanbotsError.io("\(failures.count) dispatch(es) failed") }

        let deadline = Date().addingTimeInterval(timeout)
        var snapshot = try BoardLoader(repository).load()
        while snapshot.board.runs.contains(where: { $0.record.state.isActive && !$0.isLost }), Date() < deadline {
            Thread.sleep(forTimeInterval: 0.25)
            snapshot = try BoardLoader(repository).load()
        }
        _ = try BoardQuery(repository).reconcile()
        let board = try BoardQuery(repository).load()
        board.snapshot.saveCache()
        print("")
        print(BoardText.render(board.board, all: true, readiness: board.readiness))
        print("")
        print("Look around: cd \(folder) && git kanbots review && git kanbots land --plan")
        print("The state is git: git for-each-ref refs/kanbots/")
    }

    /// posix_spawn cannot change directory portably, so hop through `git -C`.
    private func spawnIn(_ folder: String, _ spec: ProcessSpec) throws -> pid_t {
        var spec = spec
        let git = ProcessLauncher.locate("git") ?? "/usr/bin/git"
        spec.arguments = ["-C", folder, "kanbots"] + spec.arguments
        spec.environment["PATH"] = ((ProcessLauncher.currentExecutable as NSString).deletingLastPathComponent)
            + ":" + (spec.environment["PATH"] ?? "/usr/bin:/bin")
        spec.executable = git
        return try ProcessLauncher.spawn(spec)
    }
}

/// A small repository with one commit, made with the git on PATH.
enum ScratchRepository {
    static func create(at folder: String) throws {
        try Data("# Demo project\n\nA scratch repository made by `git kanbots demo`.\n".utf8)
            .write(to: URL(fileURLWithPath: folder + "/README.md"))
        var environment = ProcessInfo.processInfo.environment
        for key in ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"] { environment[key] = nil }
        environment["GIT_AUTHOR_NAME"] = environment["GIT_AUTHOR_NAME"] ?? "git-kanbots demo"
        environment["GIT_AUTHOR_EMAIL"] = environment["GIT_AUTHOR_EMAIL"] ?? "demo@git-kanbots.invalid"
        environment["GIT_COMMITTER_NAME"] = environment["GIT_COMMITTER_NAME"] ?? "git-kanbots demo"
        environment["GIT_COMMITTER_EMAIL"] = environment["GIT_COMMITTER_EMAIL"] ?? "demo@git-kanbots.invalid"
        let git = ProcessLauncher.locate("git") ?? "/usr/bin/git"
        for arguments in [["init", "-q", "-b", "main"], ["add", "README.md"], ["commit", "-q", "-m", "Initial commit"]] {
            let pid = try ProcessLauncher.spawn(ProcessSpec(
                executable: git, arguments: ["-C", folder] + arguments, environment: environment))
            guard ExitStatus.wait(pid) == .exited(0) else {
                throw KanbotsError.io("`git \(arguments.joined(separator: " "))` failed in \(folder)")
            }
        }
    }
}
