import KanbotsStore
import KanbotsSupervisor

/// The agents this repository can run, for `agents`, `init` and a
/// persona's `--agent`: the catalog lives with the supervisor that starts
/// them, and the front ends reach it only through here.
public struct AgentActions {
    let repository: KanbotsRepository

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    /// Every built-in and configured agent: found or not, its version, its protocol.
    public func statuses() -> [AgentStatus] {
        let settings = Settings(repository)
        return AgentProbe.statuses(of: AgentCatalog.definitions(settings: settings), settings: settings)
    }

    /// Refuses a name that is neither built in nor configured, with the fix.
    public func validate(_ name: String) throws {
        try AgentCatalog.validate(name, settings: Settings(repository))
    }

    /// Sets the repository up (hook, excludes, defaults), making the first
    /// real agent found on PATH (claude, then codex) the default, else the demo.
    /// Returns what changed, one line each; empty when nothing did.
    public func setUpRepository() throws -> [String] {
        let settings = Settings(repository)
        let agent = ["claude", "codex"].first { (try? AgentCatalog.locate($0, settings: settings)) != nil }
        return try Setup(repository).run(defaultAgent: agent ?? "demo")
    }
}
