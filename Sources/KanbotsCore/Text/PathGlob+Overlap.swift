/// Whether two scopes can touch the same file: what autopilot asks before it
/// runs two cards side by side.
///
/// The answer is conservative: "no" only when no path can match both, "yes"
/// whenever that is not certain. Patterns are compared segment by segment
/// from the root: two literal segments that differ, or a literal segment a
/// wildcard segment cannot match, prove the patterns apart; a `**` on either
/// side ends the proof (anything may follow), as does running out of
/// segments on one side only (then they are apart unless a `**` remains).
extension PathGlob {
    public func mayOverlap(_ other: PathGlob) -> Bool {
        Self.mayOverlap(segments[...], other.segments[...])
    }

    private static func mayOverlap(_ one: ArraySlice<Substring>, _ other: ArraySlice<Substring>) -> Bool {
        guard let left = one.first, let right = other.first else {
            // One pattern is exhausted: a common path must end here too.
            return (one.isEmpty || one.allSatisfy { $0 == "**" }) && (other.isEmpty || other.allSatisfy { $0 == "**" })
        }
        if left == "**" || right == "**" { return true }
        if !segmentsMayMeet(left, right) { return false }
        return mayOverlap(one.dropFirst(), other.dropFirst())
    }

    private static func segmentsMayMeet(_ left: Substring, _ right: Substring) -> Bool {
        switch (isLiteral(left), isLiteral(right)) {
        case (true, true): left == right
        case (true, false): matchSegment(Array(right.utf8)[...], Array(left.utf8)[...])
        case (false, true): matchSegment(Array(left.utf8)[...], Array(right.utf8)[...])
        case (false, false): true  // two wildcards: assume they meet
        }
    }

    private static func isLiteral(_ segment: Substring) -> Bool {
        !segment.contains { $0 == "*" || $0 == "?" || $0 == "[" }
    }
}

/// A card's scope: the globs it may touch; empty means "not declared".
public enum Scope {
    /// Whether two declared scopes may touch a common path. A card without
    /// a declared scope is not constrained: it overlaps nothing, so that
    /// declaring scopes is what opts cards into one-after-the-other
    /// scheduling (and boards without scopes keep running side by side).
    public static func overlaps(_ one: [String], _ other: [String]) -> Bool {
        guard !one.isEmpty, !other.isEmpty else { return false }
        let others = other.map(PathGlob.init)
        return one.map(PathGlob.init).contains { glob in others.contains { glob.mayOverlap($0) } }
    }

    /// The paths among `paths` outside `scope` (none when no scope is declared).
    public static func violations(of scope: [String], in paths: [String]) -> [String] {
        guard !scope.isEmpty else { return [] }
        let globs = scope.map(PathGlob.init)
        return paths.filter { !globs.anyMatches($0) }
    }
}
