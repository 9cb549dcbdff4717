import Foundation
import KanbotsCore
import KanbotsStore

/// The review settings in git config (checks and scope have theirs in
/// `Settings+Checks`).
public struct ReviewSettings {
    public static let riskyKey = "kanbots.review.risky"
    public static let editorKey = "kanbots.editor"

    let repository: KanbotsRepository

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    /// `kanbots.review.risky` (several allowed), else the defaults.
    public var riskRules: RiskRules { RiskRules(risky: Settings(repository).strings(Self.riskyKey)) }

    /// `kanbots.editor`, for `git kanbots open`.
    public var editor: String? { Settings(repository).string(Self.editorKey) }
}
