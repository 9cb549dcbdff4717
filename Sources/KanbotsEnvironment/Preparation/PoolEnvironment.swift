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
        prepare(worktree: worktree, registration: registration, includingFiles: true)
    }

    /// An entry just moved to a new base: the setup runs again only when
    /// the fingerprint changed (setup commands, `.worktreeinclude`, included
    /// files, `kanbots.setup-inputs`' content).
    public func refresh(worktree: String, registration: String) -> PreparationResult {
        guard let state = Self.readState(registration: registration) else {
            return prepare(worktree: worktree, registration: registration, includingFiles: true)
        }
        let now = fingerprint(worktree: worktree, included: state.included)
        if now == state.fingerprint { return .unchanged }
        return prepare(worktree: worktree, registration: registration, includingFiles: false)
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

    private func prepare(worktree: String, registration: String, includingFiles: Bool) -> PreparationResult {
        unlink(registration + "/" + Self.stateFile)
        let outcome = EnvironmentPreparation(repository: repository, settings: settings).prepare(
            worktree: worktree, includingFiles: includingFiles, setupCommands: settings.setupCommands,
            environment: ProjectCommandRunner.environment().merging(["KANBOTS_WORKTREE": worktree]) { _, ours in ours },
            logDirectory: repository.stateDirectory + "/pool/" + PathName.lastComponent(of: worktree))
        guard case .ready(let included, _, _) = outcome else { return .failed }
        let records = includingFiles ? included.map(\.recordText)
            : Self.included(registration: registration)
        let paths = records.map(IncludedPath.path(ofRecordText:))
        let relocation = WorktreePool.Relocation(
            preparedAt: worktree, files: PathRelocation.files(mentioning: worktree))
        let state = ([fingerprint(worktree: worktree, included: paths).description] + records).joined(separator: "\n")
        guard (try? write(relocation.text, to: registration + "/" + WorktreePool.Relocation.fileName)) != nil,
              (try? write(state + "\n", to: registration + "/" + Self.stateFile)) != nil else { return .failed }
        return .setUp
    }

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
