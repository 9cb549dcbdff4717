import KanbotsCore

/// Errors a user can act on. Each message is one line and says what to do.
public enum KanbotsError: ExplainedError, Equatable, Sendable {
    case notARepository(String)
    case bareRepository(String)
    case notInitialized
    case unknownCard(Int)
    case badCardNumber(String)
    case unknownRun(String)
    case ambiguousRun(String, [String])
    case unknownBase(String)
    case unknownAgent(String, known: [String])
    case branchExists(String)
    case worktreeExists(String)
    case corruptRecord(ref: String, reason: String)
    /// A ref git cannot resolve at all: garbage in its file (even with a
    /// packed value behind it, which git ignores), or a symbolic ref.
    case unreadableRef(ref: String, reason: String)
    /// `sync` will not run beside a ref it cannot read (`others`: how many more).
    case syncRefused(ref: String, reason: String, others: Int)
    case diskFull(path: String, detail: String)
    case runNotFinished(String, state: String)
    case contention(ref: String, attempts: Int)
    case invalidArgument(String)
    case agentNotFound(agent: String, binary: String, configKey: String)
    case io(String)
    case unknownRemote(String?, known: [String])
    case supervisorMissing(path: String)

    public var description: String {
        switch self {
        case .notARepository(let path):
            "not a git repository: \(path) (run inside a repository, or `git init` one first)"
        case .bareRepository(let path):
            "\(path) is a bare repository; runs need a working tree (use a clone with a checkout)"
        case .notInitialized:
            "this repository is not set up for git-kanbots; run `git kanbots init` first"
        case .unknownCard(let number):
            "unknown card \(number); `git kanbots card list` shows the cards, `git kanbots card new TITLE` files one"
        case .badCardNumber(let text):
            "'\(text)' is not a card number (expected a positive whole number such as 42)"
        case .unknownRun(let text):
            "unknown run '\(text)'; `git kanbots status` lists the runs"
        case .ambiguousRun(let text, let candidates):
            "run '\(text)' is ambiguous: it could be \(candidates.joined(separator: ", ")); give the full id"
        case .unknownBase(let ref):
            "base '\(ref)' does not name a commit; give a branch, tag or commit that exists (`git branch -a`)"
        case .unknownAgent(let name, let known):
            "unknown agent '\(name)'; known agents: \(known.joined(separator: ", ")); define one with "
                + "`git config kanbots.agent.\(name).protocol acp` and `git config kanbots.agent.\(name).path /path/to/agent`"
        case .branchExists(let name):
            "branch \(name) already exists and is not a run's; delete or rename it (`git branch -m`) and dispatch again"
        case .worktreeExists(let path):
            "folder \(path) already exists; move it away and dispatch again"
        case .corruptRecord(let ref, let reason):
            "the record at \(ref) cannot be read (\(reason)); it was left untouched: inspect it with `git log \(ref)`"
                + (ref.hasPrefix(KanbotsRepository.runsRefPrefix) ? " or rebuild it with `git kanbots fsck --repair`" : "")
        case .unreadableRef(let ref, let reason):
            "the ref \(ref) cannot be read (\(reason)); nothing acts on it until `git kanbots fsck --repair` restores it "
                + (ref.hasPrefix(KanbotsRepository.runsRefPrefix) ? "from its reflog, its packed value or its branch"
                    : "from its reflog or its packed value")
        case .syncRefused(let ref, let reason, let others):
            "nothing synced: the ref \(ref) cannot be read (\(reason))"
                + (others > 0 ? ", nor can \(others) more" : "")
                + "; `git kanbots fsck --repair` restores it from its reflog or its packed value, then sync again"
        case .diskFull(let path, let detail):
            "no space left on the device holding \(path) (\(detail)); free some space and try again"
        case .runNotFinished(let id, let state):
            "run \(id) is still \(state); stop it first with `git kanbots stop \(id)`"
        case .contention(let ref, let attempts):
            "gave up writing \(ref) after \(attempts) attempts against concurrent writers; try again"
        case .invalidArgument(let text):
            text
        case .agentNotFound(let agent, let binary, let key):
            "agent '\(agent)' needs the program '\(binary)', which is not on PATH; install it or set `git config \(key) /path/to/\(binary)`"
        case .io(let text):
            text
        case .unknownRemote(let name?, let known):
            "unknown remote '\(name)'" + (known.isEmpty ? "; add one with `git remote add NAME URL`"
                : "; configured remotes: \(known.joined(separator: ", "))")
        case .supervisorMissing(let path):
            "the supervisor program is missing (\(path)); it is installed next to git-kanbots: run scripts/install.sh again"
        case .unknownRemote(nil, let known):
            known.isEmpty ? "no remote to sync with; add one with `git remote add origin URL`"
                : "no remote named origin; name one of \(known.joined(separator: ", ")): `git kanbots sync REMOTE`"
        }
    }
}
