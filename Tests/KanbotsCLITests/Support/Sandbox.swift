import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A temporary folder with a real git repository (`repo/`, branch `main`, one
/// commit), its own HOME, and a controlled environment for running the real
/// `git-kanbots` binary. Always used through `Sandbox.with`, which stops every
/// run and removes the folder afterwards (set KANBOTS_KEEP_SANDBOX=1 to keep it).
final class Sandbox {
    let root: String
    /// The main working tree (nothing is created there without `repository`).
    let repo: String
    let home: String
    private let io: String
    /// The environment every command gets; tests may add to it.
    var environment: [String: String]
    private var started: [RunningProcess] = []

    private init(repository: Bool) throws {
        let base = FileManager.default.temporaryDirectory.path + "/kanbots-cli-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        root = Self.realPath(base)
        repo = root + "/repo"
        home = root + "/home"
        io = root + "/io"
        for folder in [repo, home, io, root + "/tmp"] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        var environment = ProcessInfo.processInfo.environment.filter {
            !$0.key.hasPrefix("GIT_") && !$0.key.hasPrefix("KANBOTS_")
        }
        environment["HOME"] = home
        environment["XDG_CONFIG_HOME"] = home + "/.config"
        environment["TMPDIR"] = root + "/tmp"
        environment["PATH"] = try KanbotsBinary.folder() + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        environment["LC_ALL"] = "C"
        environment["KANBOTS_DEMO_STEP_SECONDS"] = "0.02"
        self.environment = environment
        if repository {
            try gitOK("init", "-q", "-b", "main")
            try gitOK("config", "user.name", "Kanbots Test")
            try gitOK("config", "user.email", "test@kanbots.invalid")
            try write("README.md", "# Test project\n")
            try gitOK("add", "README.md")
            try gitOK("commit", "-q", "-m", "Initial commit")
        }
    }

    /// Runs `body` in a fresh sandbox: a repository (unless `repository` is
    /// false), set up with `init` (unless `initialize` is false), with one
    /// card per title filed.
    static func with<T>(repository: Bool = true, initialize: Bool = true, cards: [String] = [],
                        _ body: (Sandbox) throws -> T) throws -> T {
        let sandbox = try Sandbox(repository: repository)
        defer { sandbox.cleanUp() }
        if repository, initialize { try sandbox.initialize() }
        for title in cards { _ = try sandbox.newCard(title) }
        return try body(sandbox)
    }

    // MARK: Running commands

    /// Starts a command without waiting (for concurrency and kill tests).
    func start(_ executable: String, _ arguments: [String], in directory: String? = nil,
               environment extra: [String: String] = [:]) throws -> RunningProcess {
        let process = try RunningProcess(
            executable: executable, arguments: arguments, directory: directory ?? repo,
            environment: environment.merging(extra) { _, new in new }, ioDirectory: io)
        started.append(process)
        return process
    }

    func run(_ executable: String, _ arguments: [String], in directory: String? = nil,
             environment extra: [String: String] = [:], timeout: TimeInterval = 60) throws -> CommandResult {
        try start(executable, arguments, in: directory, environment: extra).wait(timeout: timeout)
    }

    /// `git-kanbots ARGS`, the binary run directly.
    func kanbots(_ arguments: String..., in directory: String? = nil, environment extra: [String: String] = [:],
                 timeout: TimeInterval = 60) throws -> CommandResult {
        try run(try KanbotsBinary.path(), arguments, in: directory, environment: extra, timeout: timeout)
    }

    func startKanbots(_ arguments: [String], in directory: String? = nil,
                      environment extra: [String: String] = [:]) throws -> RunningProcess {
        try start(try KanbotsBinary.path(), arguments, in: directory, environment: extra)
    }

    /// Like `kanbots`, but a failure throws (for steps that are setup, not the subject).
    @discardableResult
    func kanbotsOK(_ arguments: String..., in directory: String? = nil, environment extra: [String: String] = [:],
                   timeout: TimeInterval = 60) throws -> CommandResult {
        let result = try run(try KanbotsBinary.path(), arguments, in: directory, environment: extra, timeout: timeout)
        guard result.succeeded else { throw TestFailure("setup step failed: \(result)") }
        return result
    }

    /// `git kanbots ARGS`: git finds `git-kanbots` on PATH, as users run it.
    func gitKanbots(_ arguments: String..., in directory: String? = nil,
                    environment extra: [String: String] = [:]) throws -> CommandResult {
        try run("/usr/bin/env", ["git", "kanbots"] + arguments, in: directory, environment: extra)
    }

    func git(_ arguments: String..., in directory: String? = nil,
             environment extra: [String: String] = [:]) throws -> CommandResult {
        try run("/usr/bin/env", ["git"] + arguments, in: directory, environment: extra)
    }

    /// Runs git, throws unless it succeeds, returns its trimmed stdout.
    @discardableResult
    func gitOK(_ arguments: String..., in directory: String? = nil) throws -> String {
        let result = try run("/usr/bin/env", ["git"] + arguments, in: directory)
        guard result.succeeded else { throw TestFailure("git failed: \(result)") }
        return result.output
    }

    // MARK: git-kanbots steps

    /// `init`, then pins the demo agent (init picks claude or codex when one
    /// is on PATH; these tests are about the store, not real agents), and
    /// turns the worktree pool off: a background refill would add worktrees
    /// to what tests count. Pool tests turn it on (`enablePool`).
    func initialize() throws {
        try kanbotsOK("init")
        try gitOK("config", "kanbots.agent", "demo")
        // Scripted agents report what they saw in files outside their
        // worktree, which confinement forbids; the suites about real agents
        // and confinement turn it back on (ConfinementTests, RealCodexTests).
        try gitOK("config", "kanbots.sandbox", "off")
        try gitOK("config", "kanbots.pool", "0")
    }

    /// Turns the worktree pool on with `size` entries and fills it now.
    func enablePool(_ size: Int = 2) throws {
        try gitOK("config", "kanbots.pool", String(size))
        try kanbotsOK("pool", "refill")
    }

    /// Worktrees that are pool entries (`.kanbots/pool/`), and the rest.
    func poolEntries() throws -> [String] {
        try worktrees().map(\.path).filter { $0.hasPrefix(repo + "/.kanbots/pool/") }
    }

    func newCard(_ title: String, _ extra: String...) throws -> Int {
        let result = try run(try KanbotsBinary.path(), ["card", "new", title] + extra)
        guard result.succeeded, let number = Int(result.output) else {
            throw TestFailure("card new did not print a number: \(result)")
        }
        return number
    }

    func dispatch(_ card: Int, _ extra: [String] = [], in directory: String? = nil,
                  environment: [String: String] = [:]) throws -> DispatchedRun {
        let result = try run(try KanbotsBinary.path(), ["dispatch", String(card)] + extra, in: directory,
                             environment: environment)
        guard result.succeeded else { throw TestFailure("dispatch failed: \(result)") }
        return try DispatchedRun(parsing: result)
    }

    func board() throws -> BoardInfo { try JSON.decode(BoardInfo.self, from: try kanbots("board", "--json")) }

    /// Every run, from `status --json --all`.
    func runs() throws -> [RunInfo] { try JSON.decode([RunInfo].self, from: try kanbots("status", "--json", "--all")) }

    /// Polls `status` until no run is recorded as active (status reconciles
    /// runs whose supervisor died); throws after `timeout`.
    @discardableResult
    func waitUntilIdle(timeout: TimeInterval = 60) throws -> [RunInfo] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let runs = try self.runs()
            let active = runs.filter(\.isRecordedActive)
            if active.isEmpty { return runs }
            if Date() > deadline {
                throw TestFailure("runs still active after \(Int(timeout))s: "
                    + active.map { "\($0.id) \($0.recordedState ?? "none") supervisor=\($0.supervisor)" }.joined(separator: ", "))
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    func cloneTag() throws -> String { try gitOK("config", "kanbots.clone") }

    /// The id the next dispatch in this clone will get.
    func nextRunID() throws -> String {
        let tag = try cloneTag()
        let numbers = try runRefs().compactMap { id -> Int? in id.hasSuffix("-" + tag) ? RunIDs.number(id) : nil }
        return "\((numbers.max() ?? 0) + 1)-\(tag)"
    }

    /// Run ids that have a ref, from plain git.
    func runRefs() throws -> [String] {
        try gitOK("for-each-ref", "--format=%(refname:lstrip=3)", "refs/kanbots/runs/")
            .split(separator: "\n").map(String.init)
    }

    /// The run's current record, read with plain git.
    func record(_ id: String) throws -> Trailers {
        let message = try gitOK("log", "-1", "--format=%B", "refs/kanbots/runs/\(id)")
        guard let record = Trailers(message) else { throw TestFailure("record of \(id) does not parse:\n\(message)") }
        return record
    }

    /// Every version of the run's record, oldest first (`git log` of its ref).
    func history(_ id: String) throws -> [Trailers] {
        try gitOK("log", "--reverse", "--format=%B%x00", "refs/kanbots/runs/\(id)")
            .split(separator: "\0").map { $0.trimmingCharacters(in: .newlines) }.filter { !$0.isEmpty }
            .map { message in
                guard let record = Trailers(message) else { throw TestFailure("a version of \(id) does not parse:\n\(message)") }
                return record
            }
    }

    /// The states a run went through, oldest first.
    func lifecycle(_ id: String) throws -> [String] { try history(id).map { $0["State"] ?? "?" } }

    /// Registered worktrees (`git worktree list --porcelain`): path and branch ref.
    func worktrees() throws -> [(path: String, branch: String?)] {
        try gitOK("worktree", "list", "--porcelain").components(separatedBy: "\n\n").compactMap { block in
            let lines = block.split(separator: "\n").map(String.init)
            guard let path = lines.first(where: { $0.hasPrefix("worktree ") })?.dropFirst(9) else { return nil }
            return (String(path), lines.first(where: { $0.hasPrefix("branch ") }).map { String($0.dropFirst(7)) })
        }
    }

    /// Refs, registered worktrees and the files under `.kanbots/`: what "state
    /// untouched" compares.
    func stateFingerprint(of directory: String? = nil) throws -> String {
        let directory = directory ?? repo
        let refs = try git("for-each-ref", "--format=%(objectname) %(refname)", in: directory)
        let worktrees = try git("worktree", "list", "--porcelain", in: directory)
        let files = listing(directory + "/.kanbots")
        return "refs:\n\(refs.stdout)\nworktrees:\n\(worktrees.stdout)\nfiles:\n\(files.joined(separator: "\n"))"
    }

    /// Relative paths of everything under `folder`, sorted.
    func listing(_ folder: String) -> [String] {
        (FileManager.default.enumerator(atPath: folder)?.allObjects as? [String] ?? []).sorted()
    }

    // MARK: Files

    func path(_ relative: String) -> String { relative.hasPrefix("/") ? relative : repo + "/" + relative }

    func write(_ relative: String, _ text: String, executable: Bool = false) throws {
        let target = path(relative)
        try FileManager.default.createDirectory(
            atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: target))
        if executable { chmod(target, 0o755) }
    }

    func read(_ relative: String) -> String? {
        FileManager.default.contents(atPath: path(relative)).map { String(decoding: $0, as: UTF8.self) }
    }

    func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: path(relative)) }

    /// A bare repository in the sandbox, added as remote `origin`.
    func addBareRemote() throws -> String {
        let remote = root + "/remote.git"
        try gitOK("init", "-q", "--bare", "-b", "main", remote)
        try gitOK("remote", "add", "origin", remote)
        return remote
    }

    static func realPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    // MARK: Cleaning up

    private func cleanUp() {
        for process in started where process.isRunning {
            process.signal(SIGKILL)
            _ = try? process.wait(timeout: 5)
        }
        if FileManager.default.fileExists(atPath: repo + "/.git/kanbots") {
            // An autopilot session left by a failed test would keep dispatching.
            if FileManager.default.fileExists(atPath: repo + "/.git/kanbots/sessions") {
                _ = try? run(try KanbotsBinary.path(), ["autopilot", "stop"], timeout: 30)
            }
            _ = try? run(try KanbotsBinary.path(), ["stop", "--all", "--timeout", "5"], timeout: 30)
            killLeftoverProcesses()
        }
        if ProcessInfo.processInfo.environment["KANBOTS_KEEP_SANDBOX"] == "1" {
            print("kept sandbox \(root)")
            return
        }
        try? FileManager.default.removeItem(atPath: root)
    }
}

extension Sandbox {
    /// Syncs until the run's record (as this clone sees it) is in `state`:
    /// how the executor suites wait for a job's pushes to arrive.
    func syncUntil(_ id: String, state: String, timeout: TimeInterval = 60) throws -> Trailers {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            try kanbotsOK("sync")
            let record = try record(id)
            if record["State"] == state { return record }
            Thread.sleep(forTimeInterval: 0.3)
        }
        throw TestFailure("run \(id) never reached \(state): \(try record(id))")
    }
}
