import Foundation
import KanbotsCore
import KanbotsGit
import KanbotsGitHub
import KanbotsReview
import KanbotsStore

/// Publishing a finished run: push its branch and open (or update) a pull
/// request, or merge it locally. The only way a run branch leaves the machine.
public struct Promotion {
    public let repository: KanbotsRepository
    public let record: RunRecord
    public let branchTip: ObjectID

    /// Loads the run and checks that there is something to promote.
    public init(_ repository: KanbotsRepository, run text: String) throws {
        self.repository = repository
        let id = try resolveRun(text, in: repository)
        let view = try runView(id, in: repository)
        record = view.record
        if record.state.isActive, !view.isLost {
            throw KanbotsError.runNotFinished(id.description, state: record.state.rawValue)
        }
        if record.state == .merged {
            throw KanbotsError.invalidArgument("run \(id) was merged already\(record.mergedInto.map { " into \($0)" } ?? "")")
        }
        guard let tip = try repository.git.referenceTarget("refs/heads/" + record.branch) else {
            throw KanbotsError.invalidArgument(
                "run \(id) has no branch \(record.branch) any more (\(record.state.rawValue)); nothing to promote")
        }
        branchTip = tip
    }

    public var card: Card? { try? CardStore(repository).card(record.card) }

    // MARK: Push

    /// Pushes the run's branch under its own name. The pre-push hook lets it
    /// through because of a one-time grant naming exactly this ref, handed to
    /// the hook through KANBOTS_PROMOTION and removed right after.
    func push(to remote: String) throws {
        let ref = "refs/heads/" + record.branch
        let folder = repository.stateDirectory + "/promotions"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let token = Self.randomToken()
        let grant = folder + "/" + token
        try Data((ref + "\n").utf8).write(to: URL(fileURLWithPath: grant))
        defer { try? FileManager.default.removeItem(atPath: grant) }
        let result = try GitProcess.run(["push", "--porcelain", remote, "\(ref):\(ref)"],
                                        in: repository.workingDirectory, environment: ["KANBOTS_PROMOTION": token])
        guard result.succeeded else {
            throw KanbotsError.io("pushing \(record.branch) to \(remote) failed: \(result.complaint)")
        }
    }

    static func randomToken() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        return String((0..<32).map { _ in alphabet.randomElement()! })
    }

    // MARK: Pull request

    /// The branch a pull request targets: the run's base, without a remote's prefix.
    func pullRequestBase(remote: String) -> String { Self.pullRequestBase(of: record, remote: remote) }

    static func pullRequestBase(of record: RunRecord, remote: String?) -> String {
        guard let remote, record.base.hasPrefix(remote + "/") else { return record.base }
        return String(record.base.dropFirst(remote.count + 1))
    }

    func changedFiles() -> [String] {
        let result = try? GitProcess.run(
            ["diff", "--name-only", "\(record.baseCommit)...\(branchTip.hex)"], in: repository.workingDirectory)
        guard let result, result.succeeded else { return [] }
        return result.stdout.split(separator: "\n").map(String.init)
    }

    /// The pull request's description: the card, the run's figures, a link back.
    func pullRequestBody(card: Card?, files: [String]) -> String {
        var lines: [String] = []
        if let body = card?.body.trimmingCharacters(in: .whitespacesAndNewlines), !body.isEmpty { lines += [body, ""] }
        lines += ["---", "", "Made by git-kanbots run `\(record.id)` on card #\(record.card)"
            + (card.map { ": \($0.title)" } ?? "") + ".", ""]
        lines += ["| | |", "| --- | --- |"]
        lines.append("| agent | \(record.agent)\(record.persona.map { " (\($0))" } ?? "") |")
        lines.append("| model | \(record.model ?? "the agent's default") |")
        lines.append("| cost | \(formatCost(record.costUSD))\(record.capUSD.map { " of \(formatCost($0)) cap" } ?? "") |")
        lines.append("| turns | \(record.turns.map(String.init) ?? "unknown") |")
        lines.append("| files changed | \(files.count) |")
        lines.append("| branch | `\(record.branch)` from `\(record.base)` @ `\(record.baseCommit.prefix(10))` |")
        if !files.isEmpty {
            lines += [""] + files.prefix(50).map { "- `\($0)`" }
            if files.count > 50 { lines.append("- … and \(files.count - 50) more") }
        }
        lines.append("")
        if let card, let issue = card.issue {
            lines.append("Card: \(card.url.map { "[#\(issue)](\($0))" } ?? "#\(issue)"). Closes #\(issue)")
        } else {
            lines.append("Card: local card #\(record.card) (`git kanbots card show \(record.card)`).")
        }
        lines.append("Run history: `git log refs/kanbots/runs/\(record.id)`")
        lines.append("<!-- git-kanbots run \(record.id) -->")
        return lines.joined(separator: "\n")
    }

    public struct Opened {
        public var pullRequest: GitHubPullRequest
        public var created: Bool
    }

    /// Pushes, then opens the pull request or, when one is already recorded
    /// or open for this branch, updates it: promoting twice never duplicates.
    public func promote(remote: String, draft: Bool, title: String?, connection: GitHubConnection) throws -> Opened {
        guard branchTip.hex != record.baseCommit else {
            throw KanbotsError.invalidArgument("run \(record.id) made no commits on \(record.branch); there is nothing to promote")
        }
        let target: GitHubRepository
        do {
            target = try connection.target()
        } catch GitHubError.noRepository(let why) {
            throw GitHubError.noRepository(why + ", or merge locally with `git kanbots promote \(record.id) --merge`")
        }
        let client = try connection.client()
        // Asking first also proves the token and repository work before anything is pushed.
        var existing: GitHubPullRequest?
        if let number = record.pullRequestNumber {
            existing = try client.pullRequest(number, in: target)
        } else {
            existing = try client.pullRequests(head: record.branch, in: target).first { $0.state == "open" }
        }
        if let pull = existing, pull.merged {
            throw KanbotsError.invalidArgument(
                "pull request #\(pull.number) of run \(record.id) was merged already; `git kanbots board --refresh` records it")
        }
        if existing?.state == "closed" { existing = nil }
        try push(to: remote)
        let card = self.card
        let title = title ?? existing?.title ?? card?.title ?? "Card #\(record.card)"
        let body = pullRequestBody(card: card, files: changedFiles())
        let opened: Opened
        if let pull = existing {
            opened = Opened(pullRequest: try client.updatePullRequest(pull.number, title: title, body: body, in: target),
                            created: false)
        } else {
            opened = Opened(pullRequest: try client.createPullRequest(
                title: title, body: body, head: record.branch, base: pullRequestBase(remote: remote), draft: draft,
                in: target), created: true)
        }
        try RunStore(repository).update(record.id) { current in
            let number = String(opened.pullRequest.number)
            guard current.state != .promoted || current.pullRequestNumber != opened.pullRequest.number
                    || current.pullRequestURL != opened.pullRequest.htmlURL else { return false }
            current.state = .promoted
            current.reason = nil
            if current.endedAt == nil { current.endedAt = Date() }
            current.setExtra(RunRecord.PromotionKey.pullRequestNumber, number)
            current.setExtra(RunRecord.PromotionKey.pullRequestURL, opened.pullRequest.htmlURL)
            current.setExtra(RunRecord.PromotionKey.remote, remote)
            return true
        }
        return opened
    }
}

/// What `promote --json` prints, for a pull request or a local merge.
public struct PromotionJSON: Encodable {
    public var run: String
    public var state: String
    public var pullRequest: Int?
    public var url: String?
    public var created: Bool?
    public var mergedInto: String?
    public var commit: String?
    /// When several runs were promoted: the position in which to merge this pull request.
    public var landingOrder: Int?

    public init(_ opened: Promotion.Opened, of record: RunRecord, landingOrder: Int? = nil) {
        run = record.id.description
        state = "promoted"
        pullRequest = opened.pullRequest.number
        url = opened.pullRequest.htmlURL
        created = opened.created
        self.landingOrder = landingOrder
    }

    public init(_ merged: MergeRules.Merge, of record: RunRecord) {
        run = record.id.description
        state = "merged"
        mergedInto = merged.target
        commit = merged.commit.hex
    }
}
