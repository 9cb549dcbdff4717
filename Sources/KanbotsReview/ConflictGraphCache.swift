import Foundation
import KanbotsCore

/// Which runs in flight conflict with which, cached as a whole for one set
/// of runs, in `.git/kanbots/cache/review-graph-v1`. The pair cache
/// (`ReadinessCache`) already spares the merges, but when many runs touch
/// one file it holds a pair for every two of them, and a warm board would
/// read and look up every pair. This file keeps the same answer in the
/// size of the conflict groups (`ConflictGroups`): linear when every run
/// conflicts with every other. Derived and deletable like the other cache.
///
///     kanbots-review-graph v1
///     K <tip> <base tip> <card>     one line per run, in the evaluator's order: the key
///     G <index> <index> ...         a conflict group's runs (indices of K lines),
///     X <path>                      followed by its paths
///     S <index> <group>             a run with conflicts and its group (index of G lines)
///     E <index> <index>             a pair whose paths are not the default (`defaultPaths`),
///     X <path>                      followed by its paths
struct ConflictGraphCache {
    struct Subject: Equatable {
        var tip: String
        var baseTip: String
        var card: Int
    }

    struct Group: Equatable {
        var members: [Int]
        var paths: [String]
    }

    struct Pair: Hashable {
        var one: Int
        var other: Int
    }

    /// Conflicts of each run: the other run's index and the paths, by index.
    typealias Conflicts = [[(other: Int, paths: [String])]]

    struct Graph: Equatable {
        var groups: [Group] = []
        var groupOf: [Int: Int] = [:]
        var exceptions: [Pair: [String]] = [:]

        /// The graph of `conflicts`, whose runs' groups `readiness` holds (after `ConflictGroups.assign`).
        init(_ conflicts: Conflicts, readiness: [Readiness], changed: [Set<String>]) {
            let index = Dictionary(readiness.enumerated().map { ($1.run, $0) }, uniquingKeysWith: { first, _ in first })
            var numbered: [String: Int] = [:]
            for (run, subject) in readiness.enumerated() {
                guard let group = subject.conflictGroup else { continue }
                if numbered[group.id] == nil {
                    numbered[group.id] = groups.count
                    groups.append(Group(members: group.members.compactMap { index[$0.run] }.sorted(), paths: group.paths))
                }
                groupOf[run] = numbered[group.id]
            }
            for (run, list) in conflicts.enumerated() {
                for (other, paths) in list where paths != defaultPaths(run, other, changed: changed) {
                    exceptions[Pair(one: run, other: other)] = paths
                }
            }
        }

        init() {}

        /// The paths a pair conflicts in unless an exception says otherwise:
        /// those of both runs' groups that both changed (the group's own, when
        /// they share it: most pairs, and no set is built for them).
        func defaultPaths(_ run: Int, _ other: Int, changed: [Set<String>]) -> [String] {
            guard let mine = groupOf[run], let theirs = groupOf[other] else { return [] }
            if mine == theirs { return groups[mine].paths }
            let shared = Set(groups[theirs].paths)
            return groups[mine].paths.filter { shared.contains($0) && changed[run].contains($0) && changed[other].contains($0) }
        }

        /// Each run's conflicts, in the order the evaluator finds them, made
        /// by `make` from the other run's index and the paths (straight into
        /// the caller's type: there are tens of thousands); nil when the graph
        /// does not fit the runs (a damaged file).
        func conflicts<Conflict>(cards: [Int], changed: [Set<String>],
                                 _ make: (_ other: Int, _ paths: [String]) -> Conflict) -> [[Conflict]]? {
            // Tens of thousands of pairs: plain arrays, and no lookups that are known to miss.
            var groupAt = [Int?](repeating: nil, count: cards.count)
            for (run, group) in groupOf {
                guard run < cards.count, group < groups.count else { return nil }
                groupAt[run] = group
            }
            var result = [[Conflict]](repeating: [], count: cards.count)
            for run in cards.indices {
                guard let group = groupAt[run] else { continue }
                let members = groups[group].members
                var list: [Conflict] = []  // filled here, then moved: no check per element that it is not shared
                list.reserveCapacity(members.count)
                for other in members where other != run {
                    guard other < cards.count, let theirs = groupAt[other] else { return nil }
                    guard cards[other] != cards[run] else { continue }
                    let exception = exceptions.isEmpty ? nil : exceptions[Pair(one: run, other: other)]
                    list.append(make(other, exception ?? (theirs == group ? groups[group].paths
                                                          : defaultPaths(run, other, changed: changed))))
                }
                result[run] = list
            }
            return result
        }

        /// Each run's conflict group, the same as `ConflictGroups.assign` makes
        /// from the conflicts (which a warm board need not go through): each
        /// group with its runs and paths, numbered in the order of the first
        /// of its runs by id. Nil when the graph does not fit the runs.
        func conflictGroups(runs: [String], cards: [Int]) -> [ConflictGroup?]? {
            var first = [Int?](repeating: nil, count: groups.count)
            for (run, group) in groupOf {
                guard run < runs.count, group < groups.count else { return nil }
                if first[group].map({ runs[run] < runs[$0] }) ?? true { first[group] = run }
            }
            guard groups.allSatisfy({ $0.members.allSatisfy { $0 < runs.count } }) else { return nil }
            let numbered = groups.indices.filter { first[$0] != nil }.sorted { runs[first[$0]!] < runs[first[$1]!] }
            var made = [ConflictGroup?](repeating: nil, count: groups.count)
            for (number, group) in numbered.enumerated() {
                made[group] = ConflictGroup(
                    id: "g\(number + 1)", paths: groups[group].paths,
                    members: groups[group].members.map { ConflictGroup.Member(run: runs[$0], card: cards[$0]) }
                        .sorted { $0.run < $1.run })
            }
            var result = [ConflictGroup?](repeating: nil, count: runs.count)
            for (run, group) in groupOf { result[run] = made[group] }
            return result
        }
    }

    static let header = "kanbots-review-graph v1"
    let path: String

    init(stateDirectory: String) { path = stateDirectory + "/cache/review-graph-v1" }

    /// The graph cached for exactly these runs, else nil. Read as bytes, as
    /// `ReadinessCache` is: splitting a String by Character cost more than
    /// the rest of the lookup.
    func graph(for key: [Subject]) -> Graph? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let bytes = [UInt8](data)
        let first = Array(Self.header.utf8) + [ReadinessCache.newline]
        guard bytes.starts(with: first), bytes.last == ReadinessCache.newline else { return nil }
        var lines = ReadinessCache.pieces(of: bytes[first.count...], by: ReadinessCache.newline)
        lines.removeLast()  // what follows the last newline
        var graph = Graph()
        var keyed = 0
        var paths: (([String]) -> Void)?
        var collected: [String] = []
        func flush() {
            paths?(collected)
            paths = nil
            collected = []
        }
        for line in lines {
            guard let kind = line.first, line.count > 2, line[line.startIndex + 1] == ReadinessCache.space else { return nil }
            let rest = line[(line.startIndex + 2)...]
            if kind == UInt8(ascii: "X") {
                guard paths != nil else { return nil }
                collected.append(ReadinessCache.path(rest))
                continue
            }
            let fields = ReadinessCache.pieces(of: rest, by: ReadinessCache.space)
            switch kind {
            case UInt8(ascii: "K"):
                // Compared as Strings: comparing bytes with a String's UTF-8 view goes byte by byte.
                guard fields.count == 3, keyed < key.count,
                      String(decoding: fields[0], as: UTF8.self) == key[keyed].tip,
                      String(decoding: fields[1], as: UTF8.self) == key[keyed].baseTip,
                      Self.number(fields[2]) == key[keyed].card
                else { return nil }
                keyed += 1
            case UInt8(ascii: "G"):
                flush()
                let members = fields.compactMap(Self.number)
                guard members.count == fields.count else { return nil }
                let group = graph.groups.count
                graph.groups.append(Group(members: members, paths: []))
                paths = { graph.groups[group].paths = $0 }
            case UInt8(ascii: "S"):
                flush()
                guard fields.count == 2, let run = Self.number(fields[0]), let group = Self.number(fields[1]) else { return nil }
                graph.groupOf[run] = group
            case UInt8(ascii: "E"):
                flush()
                guard fields.count == 2, let one = Self.number(fields[0]), let other = Self.number(fields[1]) else { return nil }
                paths = { graph.exceptions[Pair(one: one, other: other)] = $0 }
            default:
                return nil
            }
        }
        flush()
        return keyed == key.count ? graph : nil
    }

    /// A decimal number of at most 18 digits, else nil.
    private static func number(_ digits: ArraySlice<UInt8>) -> Int? {
        guard !digits.isEmpty, digits.count <= 18 else { return nil }
        var value = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(digit - UInt8(ascii: "0"))
        }
        return value
    }

    /// Written whole (temporary file, then rename); a failure only costs speed.
    func save(_ graph: Graph, for key: [Subject]) {
        var lines = [Self.header]
        lines += key.map { "K \($0.tip) \($0.baseTip) \($0.card)" }
        for group in graph.groups {
            lines.append((["G"] + group.members.map(String.init)).joined(separator: " "))
            lines += group.paths.map { "X " + ReadinessCache.escape($0) }
        }
        lines += graph.groupOf.sorted { $0.key < $1.key }.map { "S \($0.key) \($0.value)" }
        for (pair, paths) in graph.exceptions.sorted(by: { ($0.key.one, $0.key.other) < ($1.key.one, $1.key.other) }) {
            lines.append("E \(pair.one) \(pair.other)")
            lines += paths.map { "X " + ReadinessCache.escape($0) }
        }
        let folder = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let temporary = path + ".\(getpid()).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data((lines.joined(separator: "\n") + "\n").utf8))
        else { return }
        if rename(temporary, path) != 0 { try? FileManager.default.removeItem(atPath: temporary) }
    }
}
