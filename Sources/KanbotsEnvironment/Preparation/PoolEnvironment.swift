import KanbotsCore
import KanbotsStore
import KanbotsSystem

/// Prepares the environment of worktree pool entries in the background
/// (the refill process), so that a dispatch finds the ignored files copied
/// and the setup done: ports and services are per run and start at
/// dispatch, everything else is ready before it.
///
/// What an entry was prepared with is kept in its registration, which
/// moves with it when a dispatch claims it: `kanbots-environment` (the
/// fingerprint, then what came in from the main checkout, one per line)
/// and `kanbots-relocation` (`WorktreePool.Relocation`).
public struct PoolEnvironment: PoolEntryPreparing {
    let repository: KanbotsRepository
    let settings: EnvironmentSettings

    static let stateFile = "kanbots-environment"

    /// Nil when the project configures no environment the pool could
    /// prepare (no setup, no includes, no links), or its settings cannot be read.
    public init?(repository: KanbotsRepository) {
        guard let settings = try? EnvironmentSettings(Settings(repository)) else { return nil }
        let preparation = EnvironmentPreparation(repository: repository, settings: settings)
        guard preparation.isNeeded(setupCommands: settings.setupCommands) else { return nil }
        self.repository = repository
        self.settings = settings
    }

    /// A new entry: includes, links, setup; its state recorded only when
    /// all of it succeeded, so a failed setup leaves an entry that a
    /// dispatch prepares again, never one that looks prepared.
    public func prepareNew(worktree: String, registration: String) -> PreparationResult {
        prepare(worktree: worktree, registration: registration)
    }

    /// An entry just moved to a new base: the setup runs again only when
    /// the fingerprint changed (setup commands, `.worktreeinclude`, included
    /// files, `kanbots.setup-inputs`' content).
    public func refresh(worktree: String, registration: String) -> PreparationResult {
        guard let state = Self.readState(registration: registration) else {
            return prepare(worktree: worktree, registration: registration)
        }
        let now = fingerprint(worktree: worktree, included: state.included)
        if now == state.fingerprint { return .unchanged }
        Self.discardPreparation(worktree: worktree, registration: registration)
        return prepare(worktree: worktree, registration: registration)
    }

    /// Takes back what an earlier preparation brought from the main
    /// checkout (its copies and links), so a new one brings the current
    /// files: a copy is never written over (WorktreeIncludes), so without
    /// this an edited `.env` would stay stale in the entry, and a link
    /// would refuse to be made again (`include_failed`). A path the
    /// worktree's commit tracks is left alone, whatever the record says.
    /// Does nothing for a worktree no preparation touched.
    public static func discardPreparation(worktree: String, registration: String) {
        guard let state = readState(registration: registration) else { return }
        unlink(registration + "/" + stateFile)
        let brought = state.includedRecord.compactMap(IncludedPath.init(recordText:))
        guard !brought.isEmpty else { return }
        let tracked = trackedPaths(brought.map(\.path), in: worktree)
        for item in brought where !tracked.contains(item.path) {
            let path = worktree + "/" + item.path
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            // A link is only ever the symlink we made; a copy may be a folder.
            if item.kind == .linked {
                if info.st_mode & S_IFMT == S_IFLNK { unlink(path) }
            } else {
                try? FileManager.default.removeItem(atPath: path)
            }
        }
    }

    /// Which of `paths` the worktree's index tracks (one `git ls-files`).
    private static func trackedPaths(_ paths: [String], in worktree: String) -> Set<String> {
        let git = ProcessLauncher.locate("git") ?? "/usr/bin/git"
        let arguments = ["-C", worktree, "ls-files", "-z", "--"] + paths.map { ":(literal)" + $0 }
        guard let result = try? ProcessLauncher.run(git, arguments: arguments, environment: ProjectCommandRunner.environment()),
              result.succeeded else {
            // Unknown: treat all as tracked, so nothing is removed.
            return Set(paths)
        }
        let listed = result.output.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        // A tracked file inside a copied folder makes the folder tracked too.
        return Set(paths.filter { path in
            let folder = path.hasSuffix("/") ? path : path + "/"
            return listed.contains { $0 == path || $0.hasPrefix(folder) }
        })
    }

    /// Whether a claimed worktree's environment, prepared in the pool, is
    /// still valid for the current settings (checked by the supervisor).
    public static func isPrepared(worktree: String, registration: String, repository: KanbotsRepository,
                                  settings: EnvironmentSettings) -> Bool {
        guard let state = readState(registration: registration) else { return false }
        return EnvironmentFingerprint(settings: settings, worktree: worktree, mainCheckout: repository.workingDirectory,
                                      included: state.included) == state.fingerprint
    }

    /// What came in from the main checkout when the entry was prepared (`copied .env`).
    public static func included(registration: String) -> [String] {
        readState(registration: registration)?.includedRecord ?? []
    }

    private func prepare(worktree: String, registration: String) -> PreparationResult {
        unlink(registration + "/" + Self.stateFile)
        let mainCheckout = repository.workingDirectory
        let planned = ((try? WorktreeIncludes(mainCheckout: mainCheckout, links: settings.links).plan()) ?? []).map(\.path)
        let stampsBefore = planned.map { EnvironmentFingerprint.stamp(of: $0, in: mainCheckout) }
        let outcome = EnvironmentPreparation(repository: repository, settings: settings).prepare(
            worktree: worktree, includingFiles: true, setupCommands: settings.setupCommands,
            environment: ProjectCommandRunner.environment().merging(["KANBOTS_WORKTREE": worktree]) { _, ours in ours },
            logDirectory: repository.stateDirectory + "/pool/" + PathName.lastComponent(of: worktree))
        guard case .ready(let included, _, _) = outcome else { return .failed }
        let records = included.map(\.recordText)
        let paths = included.map(\.path)
        // An included file edited while the entry was prepared may have been
        // copied before the edit: a fingerprint that matches nothing makes
        // the next refresh or dispatch bring it again.
        let settled = planned.map { EnvironmentFingerprint.stamp(of: $0, in: mainCheckout) } == stampsBefore
        let fingerprint = settled ? fingerprint(worktree: worktree, included: paths).description : Self.unsettled
        let relocation = WorktreePool.Relocation(
            preparedAt: worktree, files: PathRelocation.files(mentioning: worktree))
        let state = ([fingerprint] + records).joined(separator: "\n")
        guard (try? write(relocation.text, to: registration + "/" + WorktreePool.Relocation.fileName)) != nil,
              (try? write(state + "\n", to: registration + "/" + Self.stateFile)) != nil else { return .failed }
        return .setUp
    }

    /// The fingerprint of an entry whose included files changed while it was prepared.
    static let unsettled = "changed-during-preparation"

    private func fingerprint(worktree: String, included: [String]) -> EnvironmentFingerprint {
        EnvironmentFingerprint(settings: settings, worktree: worktree, mainCheckout: repository.workingDirectory,
                               included: included)
    }

    private struct State {
        var fingerprint: EnvironmentFingerprint
        /// As the record keeps them: `copied .env`, `linked data`.
        var includedRecord: [String]
        var included: [String] {
            includedRecord.map(IncludedPath.path(ofRecordText:))
        }
    }

    private static func readState(registration: String) -> State? {
        guard let text = try? String(contentsOfFile: registration + "/" + stateFile, encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n").map(String.init)
        guard let first = lines.first else { return nil }
        return State(fingerprint: EnvironmentFingerprint(first), includedRecord: Array(lines.dropFirst()))
    }

    private func write(_ text: String, to path: String) throws {
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)),
              rename(temporary, path) == 0 else {
            unlink(temporary)
            throw KanbotsError.io("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }
}
