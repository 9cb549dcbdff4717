import Foundation
import KanbotsCore
import Testing
@testable import KanbotsGitHub

@Suite("GitHub module") struct GitHubModuleTests {
    @Test func statusLabelsAreReplacedNeverPiledUp() {
        let change = StatusLabels.change(current: ["bug", "status:in-progress", "status:done"], desired: "status:in-review")
        #expect(change.remove == ["status:in-progress", "status:done"])
        #expect(change.add == "status:in-review")
        #expect(StatusLabels.change(current: ["bug", "status:in-review"], desired: "status:in-review").isEmpty)
        #expect(StatusLabels.change(current: ["status:in-review"], desired: nil).remove == ["status:in-review"])
        #expect(StatusLabels.label(for: .todo) == nil)
        #expect(StatusLabels.label(for: .inProgress) == "status:in-progress")
        #expect(StatusLabels.label(for: .done) == "status:done")
    }

    @Test func repositoriesAreReadFromRemoteURLs() {
        #expect(GitHubRepository(remoteURL: "git@github.com:acme/tool.git")?.description == "acme/tool")
        #expect(GitHubRepository(remoteURL: "https://github.com/acme/tool")?.description == "acme/tool")
        #expect(GitHubRepository(remoteURL: "https://ghe.example.com/acme/tool.git/")?.description == "acme/tool")
        #expect(GitHubRepository(remoteURL: "ssh://git@github.com/acme/tool.git")?.description == "acme/tool")
        #expect(GitHubRepository(remoteURL: "/tmp/remote.git") == nil)
        #expect(GitHubRepository(remoteURL: "file:///tmp/acme/remote.git") == nil)
        #expect(GitHubRepository("acme/tool")?.owner == "acme")
        #expect(GitHubRepository("acme") == nil)
        #expect(GitHubRepository("a/b/c") == nil)
    }

    @Test func nextPageLinksAreFollowed() {
        let header = #"<https://api.github.com/x?page=2>; rel="next", <https://api.github.com/x?page=5>; rel="last""#
        #expect(GitHubClient.nextLink(header)?.absoluteString == "https://api.github.com/x?page=2")
        #expect(GitHubClient.nextLink(#"<https://api.github.com/x?page=1>; rel="prev""#) == nil)
    }

    @Test func apiErrorsBecomeOneLine() {
        func response(_ status: Int, _ body: String, _ headers: [String: String] = [:]) -> GitHubClient.Response {
            GitHubClient.Response(status: status, data: Data(body.utf8), headers: headers)
        }
        let limited = GitHubClient.error(
            for: response(403, #"{"message":"API rate limit exceeded for user"}"#,
                          ["X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1795000000"]), what: "x")
        #expect(limited == .rateLimited(resetAt: Date(timeIntervalSince1970: 1_795_000_000)))
        #expect(limited.description.contains("resets at 2026-11-18T"))
        #expect(GitHubClient.error(for: response(403, #"{"message":"Resource not accessible"}"#), what: "x")
            == .forbidden("Resource not accessible"))
        #expect(GitHubClient.error(for: response(401, #"{"message":"Bad credentials"}"#), what: "x")
            == .unauthorized("Bad credentials"))
        #expect(GitHubClient.error(for: response(404, "{}"), what: "issue #9 in a/b") == .notFound("issue #9 in a/b"))
        let rejected = GitHubClient.error(
            for: response(422, #"{"message":"Validation Failed","errors":[{"message":"A pull request already exists"}]}"#),
            what: "x")
        #expect(rejected == .rejected("Validation Failed: A pull request already exists"))
        for error in [limited, rejected, GitHubError.noToken, .transport("refused")] {
            #expect(!error.description.contains("\n"))
        }
    }
}
