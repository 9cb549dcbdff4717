import Foundation
import KanbotsCore
import KanbotsGitHub
import KanbotsStore

extension Settings.Key {
    /// `owner/name` of the GitHub repository; else read from the remote's URL.
    public static let githubRepository = "kanbots.github.repo"
    /// The remote `promote` pushes to (default `origin`).
    public static let githubRemote = "kanbots.github.remote"
}

/// The GitHub repository this git repository talks to, and a client for it,
/// made on first use so that commands which end up not needing GitHub never
/// ask for a token.
public final class GitHubConnection {
    public let repository: KanbotsRepository
    public let remote: String
    private var cachedClient: GitHubClient?
    private var cachedTarget: GitHubRepository?

    public init(_ repository: KanbotsRepository, remote: String? = nil) {
        self.repository = repository
        self.remote = remote ?? Settings(repository).string(Settings.Key.githubRemote) ?? "origin"
    }

    /// `kanbots.github.repo`, else `owner/name` from the remote's URL.
    public func target() throws -> GitHubRepository {
        if let cachedTarget { return cachedTarget }
        let settings = Settings(repository)
        let found: GitHubRepository
        if let configured = settings.string(Settings.Key.githubRepository) {
            guard let parsed = GitHubRepository(configured) else {
                throw KanbotsError.invalidArgument(
                    "git config \(Settings.Key.githubRepository) is '\(configured)'; expected OWNER/NAME")
            }
            found = parsed
        } else if let url = settings.string("remote.\(remote).url"), let parsed = GitHubRepository(remoteURL: url) {
            found = parsed
        } else {
            throw GitHubError.noRepository(
                "cannot tell which GitHub repository to use (remote '\(remote)' is not on GitHub); "
                    + "set `git config \(Settings.Key.githubRepository) OWNER/NAME`")
        }
        cachedTarget = found
        return found
    }

    public func client() throws -> GitHubClient {
        if let cachedClient { return cachedClient }
        let client = try GitHubClient.fromEnvironment()
        cachedClient = client
        return client
    }
}
