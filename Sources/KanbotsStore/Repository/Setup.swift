import KanbotsCore
import KanbotsGit
import KanbotsSystem

/// What `git kanbots init` does: hook, excludes, config defaults. Every step
/// checks before it writes, so running it again changes nothing.
public struct Setup {
    let repository: KanbotsRepository

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    static let hookMarker = "# git-kanbots pre-push hook"
    static let previousHookSuffix = ".kanbots-previous"

    /// Performs the set-up; returns one line per change made (empty when
    /// everything was already in place).
    public func run(defaultAgent: String) throws -> [String] {
        var changes: [String] = []
        changes += try installHook()
        if try addExclude() { changes.append("added .kanbots/ to .git/info/exclude") }
        changes += try recordDefaults(defaultAgent: defaultAgent)
        return changes
    }

    /// Where git looks for hooks: `core.hooksPath` (relative to the working
    /// tree, as git resolves it) or the common folder's `hooks/`.
    public func hooksDirectory() throws -> String {
        if let configured = try repository.git.configString("core.hooksPath") {
            let expanded = configured.hasPrefix("~/")
                ? PathName.home + configured.dropFirst(1) : configured
            return repository.absolutePath(expanded)
        }
        return repository.commonDirectory + "/hooks"
    }

    func installHook() throws -> [String] {
        let folder = try hooksDirectory()
        let path = folder + "/pre-push"
        let script = PrePushHookScript.text + "\n"
        let manager = FileManager.default
        try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var changes: [String] = []
        if let existing = manager.contents(atPath: path).map({ String(decoding: $0, as: UTF8.self) }) {
            if existing == script { return [] }
            if !existing.contains(Self.hookMarker) {
                let previous = path + Self.previousHookSuffix
                guard !manager.fileExists(atPath: previous) else {
                    throw KanbotsError.io(
                        "both \(path) and \(previous) exist; merge them by hand, then run `git kanbots init` again")
                }
                try manager.moveItem(atPath: path, toPath: previous)
                changes.append("kept the existing pre-push hook as \(previous); it still runs")
            }
        }
        let temporary = path + ".kanbots-tmp"
        try Data(script.utf8).write(to: URL(fileURLWithPath: temporary))
        chmod(temporary, 0o755)
        guard rename(temporary, path) == 0 else { throw KanbotsError.io("cannot install \(path)") }
        changes.append("installed the pre-push hook at \(path)")
        return changes
    }

    func addExclude() throws -> Bool {
        let folder = repository.commonDirectory + "/info"
        let path = folder + "/exclude"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let current = FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let lines = current.split(separator: "\n").map { $0.trimmingSpaces() }
        if lines.contains(".kanbots/") || lines.contains("/.kanbots/") { return false }
        let separator = current.isEmpty || current.hasSuffix("\n") ? "" : "\n"
        try Data((current + separator + "# git-kanbots worktrees\n.kanbots/\n").utf8).write(to: URL(fileURLWithPath: path))
        return true
    }

    func recordDefaults(defaultAgent: String) throws -> [String] {
        let settings = Settings(repository)
        var changes: [String] = []
        func setIfMissing(_ key: String, _ value: @autoclosure () throws -> String) throws {
            guard settings.string(key) == nil else { return }
            let value = try value()
            try settings.set(key, value)
            changes.append("set \(key) = \(value)")
        }
        try setIfMissing(Settings.Key.version, Settings.formatVersion)
        if settings.string(Settings.Key.clone) == nil {
            changes.append("set \(Settings.Key.clone) = \(try settings.cloneTag())")
        }
        try setIfMissing(Settings.Key.agent, defaultAgent)
        try setIfMissing(Settings.Key.cap, String(printf: "%.2f", Settings.defaultCapUSD))
        try setIfMissing(Settings.Key.source, "local")
        if let base = try? settings.defaultBase() { try setIfMissing(Settings.Key.base, base) }
        return changes
    }
}
