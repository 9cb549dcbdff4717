/// Conflicts among runs in flight, told once per group of runs instead of
/// once per pair, so `board --json` and `review --json` stay linear in the
/// number of runs when every run conflicts with every other (runs that each
/// add one changelog line, say). docs/json.md, "Conflict groups".
///
/// A run's group holds the runs it conflicts with, itself, and the other
/// attempts of its card; the run conflicts with exactly the group's runs of
/// another card. Runs with the same such set and the same conflicting paths
/// share the group, so a set of runs that all conflict with each other is
/// one group, however many attempts each card has.
public struct ConflictGroup: Sendable, Equatable, Codable {
    public struct Member: Sendable, Equatable, Codable {
        public var run: String
        public var card: Int
    }

    /// `g1`, `g2`, …: numbered in the order of their first run's id.
    public var id: String
    /// Every path its runs conflict in.
    public var paths: [String]
    public var members: [Member]

    /// The runs `run` of `card` conflicts with.
    public func conflicts(of card: Int) -> [Member] { members.filter { $0.card != card } }
}

public enum ConflictGroups {
    /// Sets `conflictGroup` on every run that conflicts with another, from
    /// its `conflicts`; runs without conflicts get none.
    public static func assign(_ readiness: inout [Readiness]) {
        let order = readiness.indices.sorted { readiness[$0].run < readiness[$1].run }
        let cardOf = Dictionary(readiness.map { ($0.run, $0.card) }, uniquingKeysWith: { first, _ in first })
        let attempts = Dictionary(grouping: readiness.map(\.run), by: { cardOf[$0] ?? 0 })
        var groups: [[String]: ConflictGroup] = [:]
        var numbered = 0
        for index in order where !readiness[index].conflicts.isEmpty {
            let subject = readiness[index]
            let runs = Set(subject.conflicts.map(\.run)).union(attempts[subject.card] ?? [subject.run]).sorted()
            let paths = Set(subject.conflicts.flatMap(\.paths)).sorted()
            // Paths and runs in one key: "\u{0}" never occurs in either.
            let key = paths + ["\u{0}"] + runs
            if groups[key] == nil {
                numbered += 1
                groups[key] = ConflictGroup(
                    id: "g\(numbered)", paths: paths,
                    members: runs.map { ConflictGroup.Member(run: $0, card: cardOf[$0] ?? 0) })
            }
            readiness[index].conflictGroup = groups[key]
        }
    }

    /// The groups the runs refer to, each once, in id order.
    public static func table(_ readiness: some Sequence<Readiness>) -> [ConflictGroup] {
        var seen = Set<String>()
        return readiness.compactMap(\.conflictGroup).filter { seen.insert($0.id).inserted }
            .sorted { ($0.id.count, $0.id) < ($1.id.count, $1.id) }
    }
}
