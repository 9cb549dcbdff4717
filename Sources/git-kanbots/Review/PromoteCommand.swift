import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsCore
import KanbotsGitHub
import KanbotsReview
import KanbotsStore

struct PromoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote",
        abstract: "Publish a finished run: push its branch and open a pull request, or merge it locally.",
        discussion: """
            Pushes kanbots/issue-<card>-<run> to the remote (the pre-push hook refuses every other \
            push of a run branch) and opens a draft pull request against the run's base, with the \
            card, the run's agent, model, cost, turns and changed files. The pull request is recorded \
            on the run (PR-Number, PR-URL); promoting again pushes again and updates that pull request. \
            The run shows In review until the pull request is merged, which `git kanbots board \
            --refresh` notices (Done). Given several runs, the pull requests are opened in landing \
            order (the order `git kanbots land --plan` finds) and the output says which to merge first.

            With --merge there is no forge: the branch is merged into its base (or --into BRANCH) in \
            the main checkout, as a fast-forward when possible; a checkout with uncommitted changes is \
            refused. The run is recorded merged and its card moves to Done. See docs/github.md.
            """
    )

    @Argument(help: "The run ids (e.g. 7-k3qz, or 7 when unambiguous); several open pull requests in landing order.")
    var runIDs: [String]
    @Option(help: "Remote to push to (default: git config kanbots.github.remote, else origin).") var remote: String?
    @Flag(help: "Open the pull request as a draft (the default).") var draft = false
    @Flag(help: "Open the pull request ready for review.") var ready = false
    @Option(help: "Pull request title (default: the card's title).") var title: String?
    @Flag(help: "Merge the branch locally instead of opening a pull request.") var merge = false
    @Option(help: "With --merge: the branch to merge into (default: the run's base).") var into: String?
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        if runIDs.isEmpty { throw ValidationError("name the run to promote (`git kanbots review` lists them)") }
        if runIDs.count > 1, merge {
            throw ValidationError("to merge several runs in a safe order, use `git kanbots land RUN…`")
        }
        if draft && ready { throw ValidationError("give --draft or --ready, not both") }
        if into != nil && !merge { throw ValidationError("--into goes with --merge") }
        if merge && (remote != nil || ready || draft || title != nil) {
            throw ValidationError("--merge merges locally; --remote, --draft, --ready and --title are for pull requests")
        }
    }

    func run() throws {
        let repository = try openInitializedRepository()
        if runIDs.count > 1 { return try promoteInLandingOrder(repository) }
        let promotion = try Promotion(repository, run: runIDs[0])
        let record = promotion.record
        if merge {
            let merged = try promotion.merge(into: into)
            if json {
                try printJSON(PromotionJSON(merged, of: record))
            } else {
                print("merged run \(record.id) into \(merged.target) (\(merged.how)), now at \(merged.commit.short)")
            }
        } else {
            let connection = GitHubConnection(repository, remote: remote)
            let opened = try promotion.promote(remote: connection.remote, draft: !ready, title: title,
                                               connection: connection)
            let pull = opened.pullRequest
            if json {
                try printJSON(PromotionJSON(opened, of: record))
            } else {
                print("pushed \(record.branch) to \(connection.remote)")
                print("\(opened.created ? "opened" : "updated") \(pull.draft ? "draft " : "")pull request #\(pull.number): \(pull.htmlURL)")
                if ready, pull.draft, !opened.created {
                    print("  it is still a draft: mark it ready for review on GitHub (the REST API cannot)")
                }
            }
        }
        report(GitHubCards.mirrorAfterChange(in: repository, cards: [record.card]), quiet: json)
    }

    /// Several runs: pull requests in the order they merge cleanly one after the other.
    private func promoteInLandingOrder(_ repository: KanbotsRepository) throws {
        let ids = try runIDs.map { try resolveRun($0, in: repository) }
        let order = try ReviewQueue.load(repository).landingOrder(ids, in: repository)
        let connection = GitHubConnection(repository, remote: remote)
        var outputs: [PromotionJSON] = []
        for (position, entry) in order.enumerated() {
            let promotion = try Promotion(repository, run: entry.id.description)
            let opened = try promotion.promote(remote: connection.remote, draft: !ready, title: title,
                                               connection: connection)
            let pull = opened.pullRequest
            outputs.append(PromotionJSON(opened, of: promotion.record, landingOrder: position + 1))
            if !json {
                print("\(position + 1). pull request #\(pull.number) for run \(entry.id) (card #\(promotion.record.card)): "
                      + pull.htmlURL + (entry.note.map { " (after the others: \($0))" } ?? ""))
            }
            report(GitHubCards.mirrorAfterChange(in: repository, cards: [promotion.record.card]), quiet: json)
        }
        if json {
            try printJSON(outputs)
        } else if let first = outputs.first?.pullRequest {
            print("merge #\(first) first, then the others in this order: each merges cleanly after the ones before it")
        }
    }
}
