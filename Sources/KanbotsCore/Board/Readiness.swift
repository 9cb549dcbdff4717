/// Whether a run can be landed now, first match wins (docs/review.md):
/// a human should fix the earliest problem first.
public enum Verdict: String, Sendable, Codable, CaseIterable, Comparable {
    case checksFailed = "checks-failed"
    case outOfScope = "out-of-scope"
    /// It no longer merges onto its base's tip: needs a rebase or a reply.
    case conflictsWithBase = "conflicts-with-base"
    /// It merges onto the base but conflicts with another active run.
    case conflicts
    /// It merges cleanly but the base moved on by N commits.
    case behind
    case ready

    /// The first verdict that applies; the order of the cases is the order of the checks.
    public static func derive(checks: ChecksOutcome?, outOfScope: [String], conflictsWithBase: Bool,
                              conflictingRuns: Int, behind: Int) -> Verdict {
        if checks == .failed || checks == .timedOut { return .checksFailed }
        if !outOfScope.isEmpty { return .outOfScope }
        if conflictsWithBase { return .conflictsWithBase }
        if conflictingRuns > 0 { return .conflicts }
        if behind > 0 { return .behind }
        return .ready
    }

    /// Ready first, then the verdicts closest to ready.
    public var queueRank: Int {
        switch self {
        case .ready: 0
        case .behind: 1
        case .conflicts: 2
        case .conflictsWithBase: 3
        case .outOfScope: 4
        case .checksFailed: 5
        }
    }

    public static func < (lhs: Verdict, rhs: Verdict) -> Bool { lhs.queueRank < rhs.queueRank }
}

/// How carefully a change needs reading.
public enum RiskLevel: String, Sendable, Codable, CaseIterable, Comparable {
    case low, medium, high

    private var rank: Int { self == .low ? 0 : self == .medium ? 1 : 2 }
    public static func < (lhs: RiskLevel, rhs: RiskLevel) -> Bool { lhs.rank < rhs.rank }
}

/// Kinds of change reviewed together in a batch, in queue order.
public enum ChangeGroup: String, Sendable, Codable, CaseIterable {
    case tests, docs, code, risky

    var rank: Int { Self.allCases.firstIndex(of: self)! }
}

/// One changed file of a run, against its merge base.
public struct ChangedFile: Sendable, Equatable, Codable {
    public var path: String
    /// `added`, `modified`, `deleted`, `renamed` or `type_changed`.
    public var status: String
    public var linesAdded: Int
    public var linesRemoved: Int

    public init(path: String, status: String, linesAdded: Int, linesRemoved: Int) {
        self.path = path
        self.status = status
        self.linesAdded = linesAdded
        self.linesRemoved = linesRemoved
    }
}

/// A predicted conflict with another active run.
public struct RunConflict: Sendable, Equatable, Codable {
    public var run: String
    public var card: Int
    public var paths: [String]

    public init(run: String, card: Int, paths: [String]) {
        self.run = run
        self.card = card
        self.paths = paths
    }
}

/// The risk rules: `kanbots.review.risky` globs (else the defaults), deletions, size.
public struct RiskRules: Sendable {
    public var risky: [PathGlob]
    /// More changed lines than this is large.
    public var largeLines: Int
    public var largeFiles: Int

    public static let defaultRiskyPatterns = [
        "**/migrations/**", "**/migrate/**", "*.sql",
        "Package.resolved", "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "Cargo.lock", "go.sum", "Gemfile.lock",
        "poetry.lock", "uv.lock", "composer.lock",
        ".github/workflows/**", ".gitlab-ci.yml", ".circleci/**", "Jenkinsfile", ".travis.yml",
        "Package.swift", "package.json", "Cargo.toml", "go.mod", "pyproject.toml", "setup.py", "Makefile",
        "CMakeLists.txt", "build.gradle", "build.gradle.kts", "pom.xml", "Dockerfile",
    ]
    static let testPatterns = [PathGlob("Tests/**"), PathGlob("tests/**"), PathGlob("test/**"), PathGlob("spec/**"),
                               PathGlob("*Tests.swift"), PathGlob("*_test.go"), PathGlob("test_*.py"),
                               PathGlob("*_test.py"), PathGlob("*.test.*"), PathGlob("*.spec.*")]
    static let docPatterns = [PathGlob("docs/**"), PathGlob("doc/**"), PathGlob("*.md"), PathGlob("*.rst"),
                              PathGlob("*.adoc"), PathGlob("LICENSE*"), PathGlob("CHANGELOG*")]

    public init(risky: [String] = [], largeLines: Int = 500, largeFiles: Int = 25) {
        self.risky = (risky.isEmpty ? Self.defaultRiskyPatterns : risky).map(PathGlob.init)
        self.largeLines = largeLines
        self.largeFiles = largeFiles
    }

    public typealias Assessment = (level: RiskLevel, reasons: [String], group: ChangeGroup)

    /// The risk of a change, with the reasons a reviewer should read.
    public func assess(_ files: [ChangedFile]) -> Assessment {
        var reasons: [String] = []
        // Each path split once for the three lists of globs.
        let parts = files.map { PathGlob.parts(of: $0.path) }
        let riskyPaths = files.indices.filter { risky.anyMatches(parts: parts[$0]) }.map { files[$0].path }
        if !riskyPaths.isEmpty { reasons.append("touches " + Self.listing(riskyPaths)) }
        let deleted = files.filter { $0.status == "deleted" }.map(\.path)
        if !deleted.isEmpty { reasons.append("deletes " + Self.listing(deleted)) }
        let lines = files.reduce(0) { $0 + $1.linesAdded + $1.linesRemoved }
        if lines > largeLines || files.count > largeFiles { reasons.append("large: \(files.count) files, \(lines) lines") }
        let onlyTests = !files.isEmpty && parts.allSatisfy { Self.testPatterns.anyMatches(parts: $0) }
        let onlyDocs = !files.isEmpty && parts.allSatisfy { Self.docPatterns.anyMatches(parts: $0) }
        let group: ChangeGroup = !riskyPaths.isEmpty ? .risky : onlyTests ? .tests : onlyDocs ? .docs : .code
        if !reasons.isEmpty { return (.high, reasons, group) }
        return (onlyTests || onlyDocs ? .low : .medium, [], group)
    }

    public static func listing(_ paths: [String]) -> String {
        paths.count <= 3 ? paths.joined(separator: ", ") : paths.prefix(3).joined(separator: ", ") + " and \(paths.count - 3) more"
    }
}

/// Everything review knows about one run, derived from commits and the record.
public struct Readiness: Sendable, Equatable, Codable {
    public var run: String
    public var card: Int
    /// The commits this was computed from.
    public var tip: String
    public var baseTip: String
    public var mergeBase: String
    public var files: [ChangedFile]
    public var behind: Int
    public var mergesCleanly: Bool
    /// Paths that conflict with the base's tip.
    public var baseConflicts: [String]
    /// Every other active run of another card it conflicts with, by pair.
    public var conflicts: [RunConflict]
    /// The same conflicts as one shared group, which JSON refers to.
    public var conflictGroup: ConflictGroup?
    public var outOfScope: [String]
    public var risk: RiskLevel
    public var riskReasons: [String]
    public var group: ChangeGroup
    public var checks: ChecksOutcome?
    /// The command that failed when the checks ran on the result of merging
    /// this tip into this base tip (`Merge-Checks-Failed`); `checks` is then
    /// `failed` even though the branch's own checks passed.
    public var failedOnMerge: String?
    public var agentTested: AgentTested?
    public var verdict: Verdict

    public init(run: String, card: Int, tip: String, baseTip: String, mergeBase: String, files: [ChangedFile],
                behind: Int, baseConflicts: [String], conflicts: [RunConflict], outOfScope: [String],
                checks: ChecksOutcome?, failedOnMerge: String? = nil, agentTested: AgentTested?, rules: RiskRules,
                assessment: RiskRules.Assessment? = nil) {
        self.run = run
        self.card = card
        self.tip = tip
        self.baseTip = baseTip
        self.mergeBase = mergeBase
        self.files = files
        self.behind = behind
        mergesCleanly = baseConflicts.isEmpty
        self.baseConflicts = baseConflicts
        self.conflicts = conflicts
        self.outOfScope = outOfScope
        // `assessment`: `rules.assess(files)` made already (the evaluator makes one per list of files).
        (risk, riskReasons, group) = assessment ?? rules.assess(files)
        self.checks = failedOnMerge == nil ? checks : .failed
        self.failedOnMerge = failedOnMerge
        self.agentTested = agentTested
        verdict = Verdict.derive(checks: self.checks, outOfScope: outOfScope, conflictsWithBase: !baseConflicts.isEmpty,
                                 conflictingRuns: conflicts.count, behind: behind)
    }

    public var linesAdded: Int { files.reduce(0) { $0 + $1.linesAdded } }
    public var linesRemoved: Int { files.reduce(0) { $0 + $1.linesRemoved } }

    /// The verdict as the board's In review column shows it.
    public var shortLabel: String {
        switch verdict {
        case .ready: "ready"
        case .behind: "behind \(behind)"
        case .conflicts: "conflicts " + conflictingCards
        case .conflictsWithBase: "conflicts base"
        case .outOfScope: "out of scope"
        case .checksFailed: "checks ✗"
        }
    }

    /// Why the verdict is what it is, one sentence per problem, first first.
    public var reasons: [String] {
        var lines: [String] = []
        if let failedOnMerge {
            lines.append("checks failed on the merged result (\(failedOnMerge)): `git kanbots reply \(run)` with what to fix")
        } else if checks == .failed {
            lines.append("checks failed")
        }
        if checks == .timedOut { lines.append("checks timed out") }
        if !outOfScope.isEmpty { lines.append("writes outside the card's scope: " + RiskRules.listing(outOfScope)) }
        if !baseConflicts.isEmpty {
            lines.append("conflicts with the base's tip in " + RiskRules.listing(baseConflicts)
                         + ": rebase it or `git kanbots reply \(run)`")
        }
        lines += conflictReasons
        if behind > 0 { lines.append("\(behind) commit\(behind == 1 ? "" : "s") behind its base, merges cleanly") }
        if lines.isEmpty { lines.append("merges cleanly onto its base's tip, conflicts with no other run") }
        return lines
    }

    /// The cards it conflicts with, each once, and how many runs when a
    /// card has several attempts: `#2, #5 (3 runs)`. At most three cards
    /// are named, so a label stays short when every run conflicts.
    public var conflictingCards: String {
        // Its group knows the cards (one set per group, not per run), less this
        // run's own: only the few named are read (every run of a pile-up has a label).
        let all = conflictGroup?.cards ?? Array(Set(conflicts.map(\.card) + [card])).sorted()
        let count = all.count - (all.contains(card) ? 1 : 0)
        var named = ""
        var listed = 0
        for other in all where other != card {
            guard listed < Self.namedCards else { break }
            named += (listed == 0 ? "#" : ", #") + String(other)
            listed += 1
        }
        if count > Self.namedCards { named += " and \(count - Self.namedCards) more" }
        return named + (conflicts.count > count ? " (\(conflicts.count) runs)" : "")
    }

    static let namedCards = 3

    /// One line per card it conflicts with (its runs named once), for the
    /// first few cards; the rest counted, with the group that lists them.
    var conflictReasons: [String] {
        let byCard = Dictionary(grouping: conflicts, by: \.card).sorted { $0.key < $1.key }
        var lines = byCard.prefix(Self.namedCards).map { card, runs in
            let ids = runs.map(\.run).sorted()
            let named = ids.count == 1 ? "run \(ids[0])"
                : "runs " + ids.prefix(Self.namedCards).joined(separator: ", ")
                    + (ids.count > Self.namedCards ? " and \(ids.count - Self.namedCards) more" : "")
            let paths = Array(Set(runs.flatMap(\.paths))).sorted()
            return "conflicts with \(named) (card #\(card)) in " + RiskRules.listing(paths)
        }
        if byCard.count > Self.namedCards {
            let rest = byCard.dropFirst(Self.namedCards)
            let runs = rest.reduce(0) { $0 + $1.value.count }
            lines.append("conflicts with \(runs) more run\(runs == 1 ? "" : "s") of \(rest.count) more card\(rest.count == 1 ? "" : "s")"
                         + (conflictGroup.map { " (conflict group \($0.id))" } ?? ""))
        }
        return lines
    }

    /// The runs planned before this one that it waits for when it does not
    /// merge on top of them: exactly those it conflicts with. Only when none
    /// of them does alone (the conflict comes from their combination), the
    /// ones that changed a path the merge conflicted in.
    public func blockers(among planned: [Readiness], conflictedPaths: [String]) -> [String] {
        let conflicting = Set(conflicts.map(\.run))
        let exact = planned.filter { conflicting.contains($0.run) }
        if !exact.isEmpty { return exact.map(\.run) }
        return planned.filter { !Set($0.files.map(\.path)).isDisjoint(with: conflictedPaths) }.map(\.run)
    }

    /// The order a human should review in: ready first, similar changes
    /// together, low risk before high, then oldest first.
    public static func queueOrder(_ lhs: Readiness, _ rhs: Readiness, lhsCreated: Date, rhsCreated: Date) -> Bool {
        if lhs.verdict != rhs.verdict { return lhs.verdict < rhs.verdict }
        if lhs.group != rhs.group { return lhs.group.rank < rhs.group.rank }
        if lhs.risk != rhs.risk { return lhs.risk < rhs.risk }
        if lhsCreated != rhsCreated { return lhsCreated < rhsCreated }
        return lhs.run < rhs.run
    }
}
