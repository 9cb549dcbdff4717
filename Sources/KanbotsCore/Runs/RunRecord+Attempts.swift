/// Attempts: runs of one card are alternatives, never conflicts with each
/// other (docs/review.md, "Attempts"). Landing one supersedes the others.
extension RunRecord {
    public enum AttemptKey {
        /// On a `superseded` record: the run of the same card that landed.
        public static let supersededBy = "Superseded-By"
    }

    public var supersededBy: String? { extraValue(AttemptKey.supersededBy) }

    /// Whether landing another attempt of this run's card supersedes this
    /// one: it ended with its work still open (not landed, dropped or
    /// already superseded). Active attempts are left to finish or be stopped.
    public var isSupersedable: Bool {
        switch state {
        case .completed, .failed, .cancelled, .promoted: true
        default: false
        }
    }
}
