/// A path pattern as users write them for scopes and risk rules:
/// `Sources/API/**`, `*.sql`, `Tests/**/Fixtures/*.json`.
///
/// Matching follows `.gitignore` habits, because that is what people already
/// type: `*` and `?` stay within one path segment, `**` spans any number of
/// segments (none included), `[abc]` is a character class, and a pattern
/// without a slash matches the last segment at any depth (`*.sql` matches
/// `db/migrations/001.sql`). A trailing slash (`docs/`) means everything below.
public struct PathGlob: Sendable, Hashable, CustomStringConvertible {
    public let pattern: String
    /// The pattern split on `/`, normalised: unanchored names get a leading
    /// `**`, a trailing slash a trailing `**`.
    let segments: [Substring]
    /// The same segments as UTF-8 bytes, made once: review matches
    /// thousands of paths against dozens of globs.
    private let segmentBytes: [[UInt8]]

    public init(_ pattern: String) {
        let anchored = pattern.hasPrefix("/")
        var text = anchored ? String(pattern.dropFirst()) : pattern
        if text.hasSuffix("/") { text += "**" }
        if !anchored, !text.contains("/") { text = "**/" + text }
        self.pattern = pattern
        segments = text.split(separator: "/", omittingEmptySubsequences: true)
        segmentBytes = segments.map { Array($0.utf8) }
    }

    public var description: String { pattern }

    /// Whether the repository-relative `path` (slash-separated) matches.
    public func matches(_ path: String) -> Bool { matches(parts: Self.parts(of: path)) }

    /// A path split into its segments' bytes, to match against many globs.
    static func parts(of path: String) -> [ArraySlice<UInt8>] {
        Array(path.utf8).split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true)
    }

    func matches(parts: [ArraySlice<UInt8>]) -> Bool {
        // `**/name` (every pattern written without a slash) only looks at the last segment.
        if segmentBytes.count == 2, segmentBytes[0] == Self.globstar, segmentBytes[1] != Self.globstar {
            guard let last = parts.last else { return false }
            return Self.matchSegment(segmentBytes[1][...], last)
        }
        return Self.match(segmentBytes[...], parts[...])
    }

    private static let globstar = Array("**".utf8)

    private static func match(_ pattern: ArraySlice<[UInt8]>, _ path: ArraySlice<ArraySlice<UInt8>>) -> Bool {
        guard let head = pattern.first else { return path.isEmpty }
        if head == globstar {
            let rest = pattern.dropFirst()
            if rest.isEmpty { return true }
            var remaining = path
            while true {
                if match(rest, remaining) { return true }
                guard !remaining.isEmpty else { return false }
                remaining = remaining.dropFirst()
            }
        }
        guard let segment = path.first, matchSegment(head[...], segment) else { return false }
        return match(pattern.dropFirst(), path.dropFirst())
    }

    /// `*`, `?` and `[...]` within one segment, by bytes (paths are UTF-8).
    static func matchSegment(_ pattern: ArraySlice<UInt8>, _ text: ArraySlice<UInt8>) -> Bool {
        var p = pattern.startIndex, t = text.startIndex
        var starP: Int?, starT = 0
        while t < text.endIndex {
            if p < pattern.endIndex {
                let c = pattern[p]
                if c == UInt8(ascii: "*") {
                    starP = p
                    starT = t
                    p += 1
                    continue
                }
                if c == UInt8(ascii: "?") {
                    p += 1
                    t += 1
                    continue
                }
                if c == UInt8(ascii: "["), let (matched, next) = matchClass(pattern, at: p, byte: text[t]) {
                    if matched {
                        p = next
                        t += 1
                        continue
                    }
                } else if c == text[t] {
                    p += 1
                    t += 1
                    continue
                }
            }
            guard let star = starP else { return false }
            p = star + 1
            starT += 1
            t = starT
        }
        while p < pattern.endIndex, pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.endIndex
    }

    /// A `[...]` class at `start`: whether `byte` is in it and where the
    /// pattern goes on; nil when the bracket is not closed (then it is literal).
    private static func matchClass(_ pattern: ArraySlice<UInt8>, at start: Int, byte: UInt8) -> (Bool, Int)? {
        var index = start + 1
        var negated = false
        if index < pattern.endIndex, pattern[index] == UInt8(ascii: "!") || pattern[index] == UInt8(ascii: "^") {
            negated = true
            index += 1
        }
        var matched = false
        var first = true
        while index < pattern.endIndex {
            let c = pattern[index]
            if c == UInt8(ascii: "]"), !first { return (matched != negated, index + 1) }
            first = false
            if index + 2 < pattern.endIndex, pattern[index + 1] == UInt8(ascii: "-"), pattern[index + 2] != UInt8(ascii: "]") {
                if c <= byte, byte <= pattern[index + 2] { matched = true }
                index += 3
            } else {
                if c == byte { matched = true }
                index += 1
            }
        }
        return nil
    }
}

extension Array where Element == PathGlob {
    /// Whether any pattern matches `path`.
    public func anyMatches(_ path: String) -> Bool { anyMatches(parts: PathGlob.parts(of: path)) }

    /// The same for a path split once (`PathGlob.parts`) to match against
    /// several lists. By index: `contains` would copy each glob out (three
    /// retains and releases per glob, most of the time review spends on risk).
    func anyMatches(parts: [ArraySlice<UInt8>]) -> Bool {
        for index in indices where self[index].matches(parts: parts) { return true }
        return false
    }
}
