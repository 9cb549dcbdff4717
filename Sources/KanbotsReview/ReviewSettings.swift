import Foundation
import KanbotsCore
import KanbotsStore

/// The review and landing settings in git config.
public struct ReviewSettings {
    public static let riskyKey = "kanbots.review.risky"
    public static let checkKey = "kanbots.check"
    public static let checkTimeoutKey = "kanbots.check-timeout"
    public static let editorKey = "kanbots.editor"

    let repository: KanbotsRepository

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    /// Every value of a multi-valued key, in config order.
    func values(_ key: String) -> [String] {
        ((try? repository.git.configEntries(prefix: key)) ?? []).filter { $0.key == key }.map(\.value)
    }

    /// `kanbots.review.risky` (several allowed), else the defaults.
    public var riskRules: RiskRules { RiskRules(risky: values(Self.riskyKey)) }

    /// The repository's check commands (`kanbots.check`, several allowed, in order).
    public var checkCommands: [String] { values(Self.checkKey) }

    /// `kanbots.editor`, for `git kanbots open`.
    public var editor: String? { Settings(repository).string(Self.editorKey) }

    /// `kanbots.check-timeout` in seconds (`90`, `90s`, `30m`, `1h`), else thirty minutes.
    public var checkTimeout: TimeInterval {
        guard let text = Settings(repository).string(Self.checkTimeoutKey)?.trimmingCharacters(in: .whitespaces),
              !text.isEmpty else { return 30 * 60 }
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600]
        if let unit = text.last, let factor = units[unit], let number = Double(text.dropLast()) { return number * factor }
        return Double(text) ?? 30 * 60
    }
}
