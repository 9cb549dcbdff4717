import Foundation

/// An issue as git-kanbots needs it. Pull requests also appear in GitHub's
/// issue lists; `isPullRequest` tells them apart.
public struct GitHubIssue: Sendable, Equatable, Decodable {
    public var number: Int
    public var title: String
    public var body: String?
    public var state: String
    public var labels: [GitHubLabel]
    public var htmlURL: String?
    public var isPullRequest: Bool

    enum CodingKeys: String, CodingKey {
        case number, title, body, state, labels
        case htmlURL = "html_url", pullRequest = "pull_request"
    }

    public init(number: Int, title: String, body: String?, state: String, labels: [GitHubLabel], htmlURL: String?) {
        self.number = number
        self.title = title
        self.body = body
        self.state = state
        self.labels = labels
        self.htmlURL = htmlURL
        isPullRequest = false
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        number = try container.decode(Int.self, forKey: .number)
        title = try container.decode(String.self, forKey: .title)
        body = try container.decodeIfPresent(String.self, forKey: .body)
        state = try container.decodeIfPresent(String.self, forKey: .state) ?? "open"
        labels = try container.decodeIfPresent([GitHubLabel].self, forKey: .labels) ?? []
        htmlURL = try container.decodeIfPresent(String.self, forKey: .htmlURL)
        isPullRequest = container.contains(.pullRequest)
    }

    public var labelNames: [String] { labels.map(\.name) }
}

public struct GitHubLabel: Sendable, Equatable, Decodable {
    public var name: String
    public var color: String?
}

public struct GitHubPullRequest: Sendable, Equatable, Decodable {
    public var number: Int
    public var htmlURL: String
    public var state: String
    public var draft: Bool
    public var merged: Bool
    public var mergeCommitSHA: String?
    public var title: String

    enum CodingKeys: String, CodingKey {
        case number, state, draft, merged, title
        case htmlURL = "html_url", mergedAt = "merged_at", mergeCommitSHA = "merge_commit_sha"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        number = try container.decode(Int.self, forKey: .number)
        htmlURL = try container.decodeIfPresent(String.self, forKey: .htmlURL) ?? ""
        state = try container.decodeIfPresent(String.self, forKey: .state) ?? "open"
        draft = try container.decodeIfPresent(Bool.self, forKey: .draft) ?? false
        title = try container.decodeIfPresent(String.self, forKey: .title) ?? ""
        // List endpoints leave out `merged`; `merged_at` is always there.
        let mergedAt = try container.decodeIfPresent(String.self, forKey: .mergedAt)
        merged = try container.decodeIfPresent(Bool.self, forKey: .merged) ?? (mergedAt != nil)
        mergeCommitSHA = try container.decodeIfPresent(String.self, forKey: .mergeCommitSHA)
    }
}
