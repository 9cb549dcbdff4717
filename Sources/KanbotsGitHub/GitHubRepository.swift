import Foundation

/// `owner/name` of a repository on GitHub.
public struct GitHubRepository: Sendable, Equatable, CustomStringConvertible {
    public var owner: String
    public var name: String

    /// Parses `owner/name`.
    public init?(_ text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
              parts.allSatisfy({ $0.allSatisfy { $0.isLetter || $0.isNumber || "-_.".contains($0) } }) else { return nil }
        owner = String(parts[0])
        name = String(parts[1])
    }

    /// Reads `owner/name` from a remote's URL: `git@github.com:o/n.git`,
    /// `https://github.com/o/n`, `ssh://git@host/o/n.git`. Local paths give nil.
    public init?(remoteURL: String) {
        var path: Substring
        if let scheme = remoteURL.range(of: "://") {
            let rest = remoteURL[scheme.upperBound...]
            guard !remoteURL.hasPrefix("file:"), let slash = rest.firstIndex(of: "/") else { return nil }
            path = rest[rest.index(after: slash)...]
        } else if let colon = remoteURL.firstIndex(of: ":"), !remoteURL.hasPrefix("/"),
                  !remoteURL[..<colon].contains("/") {
            path = remoteURL[remoteURL.index(after: colon)...]
        } else {
            return nil
        }
        if path.hasSuffix("/") { path = path.dropLast() }
        if path.hasSuffix(".git") { path = path.dropLast(4) }
        let parts = path.split(separator: "/")
        guard parts.count >= 2 else { return nil }
        self.init(parts.suffix(2).joined(separator: "/"))
    }

    public var description: String { "\(owner)/\(name)" }
    var path: String { "/repos/\(Self.escape(owner))/\(Self.escape(name))" }

    /// Escapes one path segment (label names may hold spaces, `:` or `/`).
    static func escape(_ segment: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return segment.addingPercentEncoding(withAllowedCharacters: allowed) ?? segment
    }
}

/// The endpoints git-kanbots uses: issues, labels, pull requests.
extension GitHubClient {
    /// Issues (not pull requests) in `state` (`open`, `closed`, `all`), with `label` if given.
    public func issues(in repository: GitHubRepository, state: String, label: String?) throws -> [GitHubIssue] {
        var query = [("state", state)]
        if let label { query.append(("labels", label)) }
        return try list(GitHubIssue.self, repository.path + "/issues", query: query, what: "repository \(repository)")
            .filter { !$0.isPullRequest }
    }

    public func issue(_ number: Int, in repository: GitHubRepository) throws -> GitHubIssue {
        let issue = try decode(GitHubIssue.self, from: try send(
            "GET", repository.path + "/issues/\(number)", what: "issue #\(number) in \(repository)"))
        if issue.isPullRequest { throw GitHubError.notFound("issue #\(number) in \(repository) (it is a pull request)") }
        return issue
    }

    /// Creates the label unless it exists (a concurrent creator's 422 counts as existing).
    public func ensureLabel(_ name: String, color: String, description: String, in repository: GitHubRepository) throws {
        let existing = try send("GET", repository.path + "/labels/" + GitHubRepository.escape(name),
                                what: "repository \(repository)", accepting: [404])
        guard existing.status == 404 else { return }
        try send("POST", repository.path + "/labels", body: ["name": name, "color": color, "description": description],
                 what: "repository \(repository)", accepting: [422])
    }

    public func addLabels(_ names: [String], toIssue number: Int, in repository: GitHubRepository) throws {
        try send("POST", repository.path + "/issues/\(number)/labels", body: ["labels": names],
                 what: "issue #\(number) in \(repository)")
    }

    /// Removes a label from an issue; one that is already gone is fine.
    public func removeLabel(_ name: String, fromIssue number: Int, in repository: GitHubRepository) throws {
        try send("DELETE", repository.path + "/issues/\(number)/labels/" + GitHubRepository.escape(name),
                 what: "issue #\(number) in \(repository)", accepting: [404])
    }

    /// Pull requests whose head is `branch` of the repository's owner, open or closed.
    public func pullRequests(head branch: String, in repository: GitHubRepository) throws -> [GitHubPullRequest] {
        try list(GitHubPullRequest.self, repository.path + "/pulls",
                 query: [("head", "\(repository.owner):\(branch)"), ("state", "all")], what: "repository \(repository)")
    }

    public func pullRequest(_ number: Int, in repository: GitHubRepository) throws -> GitHubPullRequest {
        try decode(GitHubPullRequest.self, from: try send(
            "GET", repository.path + "/pulls/\(number)", what: "pull request #\(number) in \(repository)"))
    }

    public func createPullRequest(title: String, body: String, head: String, base: String, draft: Bool,
                                  in repository: GitHubRepository) throws -> GitHubPullRequest {
        try decode(GitHubPullRequest.self, from: try send(
            "POST", repository.path + "/pulls",
            body: ["title": title, "body": body, "head": head, "base": base, "draft": draft],
            what: "repository \(repository)"))
    }

    public func updatePullRequest(_ number: Int, title: String, body: String,
                                  in repository: GitHubRepository) throws -> GitHubPullRequest {
        try decode(GitHubPullRequest.self, from: try send(
            "PATCH", repository.path + "/pulls/\(number)", body: ["title": title, "body": body],
            what: "pull request #\(number) in \(repository)"))
    }
}
