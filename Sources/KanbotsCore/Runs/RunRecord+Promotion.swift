/// What promotion records on a run (docs/github.md): fields of the record,
/// kept as extra `Key: value` lines so older readers keep them verbatim.
extension RunRecord {
    public enum PromotionKey {
        public static let pullRequestNumber = "PR-Number"
        public static let pullRequestURL = "PR-URL"
        public static let remote = "Pushed-To"
        public static let mergedInto = "Merged-Into"
        public static let mergeCommit = "Merge-Commit"
    }

    public var pullRequestNumber: Int? { extraValue(PromotionKey.pullRequestNumber).flatMap { Int($0) } }
    public var pullRequestURL: String? { extraValue(PromotionKey.pullRequestURL) }
    public var mergedInto: String? { extraValue(PromotionKey.mergedInto) }
}
