import KanbotsCore
import KanbotsStore
import KanbotsSystem

/// A path brought into a run's worktree from the main checkout.
public struct IncludedPath: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// Copied (reflinked where the file system can): the run may change its copy.
        case copied
        /// A symlink to the main checkout's folder (`kanbots.link`): shared, too big to copy.
        case linked
    }

    /// Relative to the repository root, e.g. ".env", ".venv", "data/cache".
    public var path: String
    public var kind: Kind

    public init(path: String, kind: Kind) {
        self.path = path
        self.kind = kind
    }

    /// As the record's `Included:` lines keep it: `copied .env`, `linked data`.
    public var recordText: String { "\(kind.rawValue) \(path)" }

    /// Reads an `Included:` line back; nil for one of another kind.
    public init?(recordText text: String) {
        let parts = text.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, let kind = Kind(rawValue: String(parts[0])) else { return nil }
        self.init(path: String(parts[1]), kind: kind)
    }

    /// The path of an `Included:` line.
    public static func path(ofRecordText text: String) -> String {
        text.split(separator: " ", maxSplits: 1).last.map(String.init) ?? text
    }
}

/// The ignored files a worktree needs and git does not check out: `.env`,
/// a prepared `.venv` or `node_modules`, local config. The project names them
/// in `.worktreeinclude` at its root (gitignore syntax); only files git
/// ignores are ever brought, so a tracked file is never overwritten by the
/// main checkout's edited copy, nor an untracked work in progress leaked
/// into a run. Folders too big to copy are linked instead (`kanbots.link`).
public struct WorktreeIncludes {
    public static let fileName = ".worktreeinclude"
    /// Where the runs' worktrees and the pool live inside the main checkout:
    /// never brought along, whatever a pattern like `*.json` matches there.
    static let stateFolder = String(KanbotsRepository.worktreesFolder.split(separator: "/")[0])

    public let mainCheckout: String
    public let links: [String]

    /// `mainCheckout`: absolute path of the repository's main working tree
    /// (`KanbotsRepository.workingDirectory`). `links`: `EnvironmentSettings.links`.
    public init(mainCheckout: String, links: [String]) {
        self.mainCheckout = mainCheckout.count > 1 && mainCheckout.hasSuffix("/") ? String(mainCheckout.dropLast()) : mainCheckout
        self.links = links
    }

    /// What would be brought along: paths of the main checkout that match a
    /// pattern of `.worktreeinclude` and that git ignores there, a whole
    /// ignored folder once when all of it is included (".venv"); then each
    /// `kanbots.link` path that exists in the main checkout. Sorted by path,
    /// copies before links. No `.worktreeinclude` means nothing is copied.
    public func plan() throws -> [IncludedPath] {
        let linked = links.filter { IncludePaths.exists(mainCheckout + "/" + $0) }
        var copied: [String] = []
        let patterns = mainCheckout + "/" + Self.fileName
        if IncludePaths.exists(patterns) {
            try Self.checkPatterns(in: patterns, root: mainCheckout)
            let included = try listIgnored(["--exclude-from=" + patterns])
            let ignored = try listIgnored(["--exclude-standard"])
            copied = IncludePaths.intersection(included, ignored).filter { !IncludePaths.isSame($0, orUnder: Self.stateFolder) }
            // A linked folder is shared, not copied as well.
            copied.removeAll { path in linked.contains { IncludePaths.isSame(path, orUnder: $0) } }
        }
        return copied.map { IncludedPath(path: $0, kind: .copied) } + linked.sorted().map { IncludedPath(path: $0, kind: .linked) }
    }

    /// Brings the planned paths into `worktree`: copies (reflinks where the
    /// file system can; symlinks stay symlinks) and, for links, a symlink at
    /// the same relative path to the main checkout's absolute path. A copy
    /// never replaces what the worktree has (its own, maybe tracked, file
    /// wins; a folder it has gets what it lacks); a link whose target exists
    /// is refused. On any failure everything this call created is removed
    /// before it throws. Returns what was brought.
    public func apply(to worktree: String) throws -> [IncludedPath] {
        let planned = try plan()
        for link in planned where link.kind == .linked && IncludePaths.exists(worktree + "/" + link.path) {
            throw WorktreeIncludeError.linkTargetExists(link.path, worktree: worktree)
        }
        var created = CreatedPaths()
        var brought: [IncludedPath] = []
        do {
            for item in planned {
                let source = mainCheckout + "/" + item.path, target = worktree + "/" + item.path
                switch item.kind {
                case .copied:
                    if try bring(source, to: target, inside: worktree, created: &created) { brought.append(item) }
                case .linked:
                    try created.makeParents(of: target, inside: worktree)
                    guard symlink(source, target) == 0 else { throw FileCloningError("create the symlink \(target)") }
                    created.add(target)
                    brought.append(item)
                }
            }
        } catch {
            created.removeAll()
            throw WorktreeIncludeError(failure: error, worktree: worktree)
        }
        return brought
    }

    /// Copies `source` to `target` when nothing is there. What the worktree
    /// has wins (its branch may track it); into a folder it has, only what
    /// the folder lacks is copied. True if anything was copied.
    private func bring(_ source: String, to target: String, inside worktree: String, created: inout CreatedPaths) throws -> Bool {
        var existing = stat(), info = stat()
        guard lstat(target, &existing) == 0 else {
            try created.makeParents(of: target, inside: worktree)
            _ = try FileCloning.copyTree(from: source, to: target)
            created.add(target)
            return true
        }
        guard existing.st_mode & S_IFMT == S_IFDIR, lstat(source, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            return false
        }
        var copied = false
        for name in try FileCloning.entries(of: source).sorted() {
            copied = try bring(source + "/" + name, to: target + "/" + name, inside: worktree, created: &created) || copied
        }
        return copied
    }

    /// Untracked paths of the main checkout that the given exclude rules
    /// ignore; a folder ends in "/" when all of it is (git's `--directory`).
    private func listIgnored(_ rules: [String]) throws -> [String] {
        let git = ProcessLauncher.locate("git") ?? "/usr/bin/git"
        let arguments = ["-C", mainCheckout, "ls-files", "-z", "--others", "--ignored", "--directory"] + rules
            + ["--", ":(exclude)" + Self.stateFolder]
        let result: CapturedRun
        do {
            result = try ProcessLauncher.run(git, arguments: arguments, environment: ProjectCommandRunner.environment())
        } catch {
            throw WorktreeIncludeError.git("\(error)")
        }
        guard result.succeeded else { throw WorktreeIncludeError.git(result.complaint) }
        return result.output.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Refuses a pattern that names a path outside the repository: git would
    /// never match it, and the user meant something this cannot do.
    static func checkPatterns(in file: String, root: String) throws {
        guard let data = OpenFile(file, .reading)?.readToEnd() else {
            throw WorktreeIncludeError.unreadable(file)
        }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() {
            let pattern = String(line).trimmingSpaces()
            guard !pattern.isEmpty, !pattern.hasPrefix("#") else { continue }
            if IncludePaths.escapesRoot(pattern.hasPrefix("!") ? String(pattern.dropFirst()) : pattern, root: root) {
                throw WorktreeIncludeError.outsideRepository(line: index + 1, pattern: pattern)
            }
        }
    }
}
