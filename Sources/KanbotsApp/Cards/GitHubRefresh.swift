import Foundation
import KanbotsCore
import KanbotsStore

/// What `board --refresh` (and `sync`) learn from GitHub: pull requests merged
/// there become `merged` runs (their cards move to Done), then every imported
/// card's `status:*` label is brought in line with its column. Nothing is
/// asked of GitHub when there is no promoted run and no imported card.
public struct GitHubRefresh {
    public let repository: KanbotsRepository

    public init(repository: KanbotsRepository) { self.repository = repository }

    /// One line per change made.
    public func run() throws -> [String] {
        let connection = GitHubConnection(repository)
        var lines: [String] = []
        let store = RunStore(repository)
        for record in try RunIndex(repository).records().records where record.state == .promoted {
            guard let number = record.pullRequestNumber else { continue }
            let pull = try connection.client().pullRequest(number, in: try connection.target())
            guard pull.merged else {
                if pull.state == "closed" {
                    lines.append("run \(record.id): pull request #\(number) was closed without merging; "
                        + "promote it again for a new one, or `git kanbots discard \(record.id)`")
                }
                continue
            }
            let updated = try store.update(record.id) { current in
                guard current.state == .promoted else { return false }
                current.state = .merged
                current.reason = "pull_request_merged"
                current.setExtra(RunRecord.PromotionKey.mergedInto,
                                 Promotion.pullRequestBase(of: current, remote: current.extraValue(RunRecord.PromotionKey.remote)))
                current.setExtra(RunRecord.PromotionKey.mergeCommit, pull.mergeCommitSHA)
                return true
            }
            if updated.state == .merged { lines.append("run \(record.id): pull request #\(number) was merged") }
        }
        lines += try GitHubCards(repository: repository, connection: connection).mirrorLabels()
        return lines
    }
}
