/// Attempts: runs of one card are alternatives, never conflicts with each
/// other (docs/review.md, "Attempts"). Landing one supersedes the others.
extension RunRecord {
    public enum AttemptKey {
        /// On a `superseded` record: the run of the same card that landed.
        public static let supersededBy = "Superseded-By"
        /// A run the merge queue started to redo another on the new base
        /// (`Rebase-Of`), or to fix its checks on the merged result (`Fix-Of`):
        /// attempts of their card, but not ones `--attempts` asked for.
        public static let rebaseOf = "Rebase-Of"
        public static let fixOf = "Fix-Of"
        /// `TIP BASE-TIP COMMAND`: the checks failed on the result of merging
        /// branch tip TIP into its base at BASE-TIP (`land --check`, the merge
        /// queue). Kept on the record so the failure outlives the pass that
        /// saw it; a new tip or a moved base makes it stale.
        public static let mergeChecksFailed = "Merge-Checks-Failed"
    }

    public var supersededBy: String? { extraValue(AttemptKey.supersededBy) }

    /// The command that failed on the merged result of exactly this branch
    /// tip and base tip, or nil: with either moved, the merge is another one
    /// and deserves its own try.
    public func mergeChecksFailure(tip: String, baseTip: String) -> String? {
        guard let value = extraValue(AttemptKey.mergeChecksFailed) else { return nil }
        let fields = value.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard fields.count >= 2, fields[0] == tip, fields[1] == baseTip else { return nil }
        return fields.count == 3 ? String(fields[2]) : "the checks"
    }

    /// Records that the checks failed on merging `tip` into its base at `baseTip`.
    public mutating func recordMergeChecksFailure(tip: String, baseTip: String, command: String?) {
        // A record value is one line.
        let what = String((command ?? "").map { $0.isNewline ? " " : $0 })
        setExtra(AttemptKey.mergeChecksFailed, "\(tip) \(baseTip) \(what.isEmpty ? "the checks" : what)")
    }

    /// Records this attempt `superseded` by `landed`, the attempt of its card
    /// that landed; false (nothing changed) when it is not supersedable,
    /// as it may have become since it was listed (a reply, a discard).
    public mutating func supersede(by landed: String) -> Bool {
        guard isSupersedable else { return false }
        state = .superseded
        reason = nil
        setExtra(AttemptKey.supersededBy, landed)
        return true
    }

    /// Whether landing another attempt of this run's card supersedes this
    /// one: it ended with its work still open (not landed, dropped or
    /// already superseded). Active attempts are stopped first (landing settles them).
    public var isSupersedable: Bool {
        switch state {
        case .completed, .failed, .cancelled, .promoted: true
        default: false
        }
    }
}
