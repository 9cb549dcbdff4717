import KanbotsCore
import Foundation

/// What went wrong talking to GitHub, each case one line that says what to do.
/// The API's own wording is kept where it helps (GitHub's `message`).
public enum GitHubError: ExplainedError, Equatable, Sendable {
    /// No token in GH_TOKEN, GITHUB_TOKEN, or from `gh auth token`.
    case noToken
    /// 401: the token was refused.
    case unauthorized(String)
    /// 403 with the rate limit spent; GitHub's reset time (UTC) when it sent one.
    case rateLimited(resetAt: Date?)
    /// 403 for another reason (scopes, SSO, secondary limits).
    case forbidden(String)
    /// 404: the repository, issue or pull request is not there, or not visible to the token.
    case notFound(String)
    /// 422: GitHub refused the request's content.
    case rejected(String)
    /// Any other status.
    case status(Int, String)
    /// The server could not be reached or answered with something unreadable.
    case transport(String)
    /// No `owner/name` to talk to.
    case noRepository(String)

    public var description: String {
        switch self {
        case .noToken:
            "no GitHub token: set GH_TOKEN or GITHUB_TOKEN, or log in with `gh auth login`"
        case .unauthorized(let message):
            "GitHub refused the token (401 \(message)); check GH_TOKEN / GITHUB_TOKEN or run `gh auth login` again"
        case .rateLimited(let reset):
            if let reset {
                "GitHub's API rate limit is used up (403); it resets at \(Self.format(reset)), try again then"
            } else {
                "GitHub's API rate limit is used up (403); wait a few minutes and try again"
            }
        case .forbidden(let message):
            "GitHub forbids this (403 \(message)); the token may lack the `repo` scope or access to the repository"
        case .notFound(let what):
            "GitHub has no \(what) (404); check `git config kanbots.github.repo` and that the token can see it"
        case .rejected(let message):
            "GitHub rejected the request (422 \(message))"
        case .status(let code, let message):
            "GitHub answered \(code) \(message)"
        case .transport(let message):
            "cannot reach GitHub: \(message) (check GITHUB_API_URL and the network)"
        case .noRepository(let why):
            why
        }
    }

    static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
