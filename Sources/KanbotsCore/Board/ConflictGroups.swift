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

        public init(run: String, card: Int) {
            self.run = run
            self.card = card
        }
    }

    /// `g1`, `g2`, …: numbered in the order of their first run's id.
    public var id: String
    /// Every path its runs conflict in.
    public var paths: [String]
    public var members: [Member]
    /// The cards of `members`, each once, ascending: labels are read from it.
    public var cards: [Int]

    public init(id: String, paths: [String], members: [Member]) {
        self.id = id
        self.paths = paths
        self.members = members
        cards = Array(Set(members.map(\.card))).sorted()
    }

    /// The runs `run` of `card` conflicts with.
    public func conflicts(of card: Int) -> [Member] { members.filter { $0.card != card } }
}

public enum ConflictGroups {
    /// Sets `conflictGroup` on every run that conflicts with another, from
    /// its `conflicts`; runs without conflicts get none.
    public static func assign(_ readiness: inout [Readiness]) {
        let index = Dictionary(readiness.enumerated().map { ($1.run, $0) }, uniquingKeysWith: { first, _ in first })
        assign(&readiness, partners: readiness.map { $0.conflicts.compactMap { index[$0.run] }.sorted() })
    }

    /// The same, given each run's conflicts as indices into `readiness`,
    /// ascending (what the evaluator has): a board of 200 runs that all
    /// conflict has 40,000 of them, so the groups are found on integers.
    public static func assign(_ readiness: inout [Readiness], partners: [[Int]]) {
        let byCard = Dictionary(grouping: readiness.indices, by: { readiness[$0].card })
        let order = readiness.indices.sorted { readiness[$0].run < readiness[$1].run }
        var groups: [[Int]: ConflictGroup] = [:]
        var pathNumbers: [String: Int] = [:]
        var numbered = 0
        for index in order where !partners[index].isEmpty {
            let members = merged(partners[index], byCard[readiness[index].card] ?? [index])
            // Most pairs share one path: a short list beats hashing every pair's paths.
            var paths: [String] = []
            for conflict in readiness[index].conflicts {
                for path in conflict.paths where !paths.contains(path) { paths.append(path) }
            }
            paths.sort()
            for path in paths where pathNumbers[path] == nil { pathNumbers[path] = pathNumbers.count }
            // Runs and paths in one key: the paths numbered, after the runs and a -1.
            // Hashed once per run: a key holds every run of the group.
            let key = members + [-1] + paths.map { pathNumbers[$0]! }
            if let group = groups[key] {
                readiness[index].conflictGroup = group
                continue
            }
            numbered += 1
            let group = ConflictGroup(
                id: "g\(numbered)", paths: paths,
                members: members.map { ConflictGroup.Member(run: readiness[$0].run, card: readiness[$0].card) }
                    .sorted { $0.run < $1.run })
            groups[key] = group
            readiness[index].conflictGroup = group
        }
    }

    /// Two ascending lists of indices as one, each index once.
    private static func merged(_ one: [Int], _ other: [Int]) -> [Int] {
        var result: [Int] = []
        result.reserveCapacity(one.count + other.count)
        var (i, j) = (0, 0)
        while i < one.count || j < other.count {
            let next = j == other.count || (i < one.count && one[i] <= other[j]) ? one[i] : other[j]
            if i < one.count, one[i] == next { i += 1 }
            if j < other.count, other[j] == next { j += 1 }
            result.append(next)
        }
        return result
    }

    /// The groups the runs refer to, each once, in id order.
    public static func table(_ readiness: some Sequence<Readiness>) -> [ConflictGroup] {
        // Ids are g1, g2, … (only `assign` and the graph cache make them): the
        // number says where a group goes. Plain arrays, no set: a type's first
        // use costs a warm board more than the work.
        var table: [ConflictGroup?] = []
        for subject in readiness {
            guard let group = subject.conflictGroup, let number = Int(group.id.dropFirst()), number > 0 else { continue }
            if number > table.count { table += Array(repeating: nil, count: number - table.count) }
            if table[number - 1] == nil { table[number - 1] = group }
        }
        return table.compactMap { $0 }
    }
}
