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
    }

    public var supersededBy: String? { extraValue(AttemptKey.supersededBy) }

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
