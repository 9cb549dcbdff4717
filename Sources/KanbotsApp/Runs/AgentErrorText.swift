import Foundation
import KanbotsAgents
import KanbotsCore
import KanbotsStore

/// How `show`, `log` and `board` tell why a run's agent failed.
public enum AgentErrorText {
    /// The board's one line for a failed run: the fix when known, else the
    /// agent's last word.
    public static func boardLine(_ record: RunRecord) -> String? {
        guard record.state == .failed, let text = record.agentErrorFix ?? record.agentError else { return nil }
        return "↳ " + (text.count > 110 ? String(text.prefix(109)) + "…" : text)
    }

    /// The last lines of the agent's stderr kept with a failed run, with
    /// the fix, for `show` and `log`.
    public static func block(_ record: RunRecord, store: RunStore, lines count: Int = 12) -> [String] {
        guard record.state == .failed else { return [] }
        let stderr = (try? store.attachment(RunRecord.agentStderrFile, of: record.id))
            .flatMap { $0 }.map { String(decoding: $0, as: UTF8.self) } ?? ""
        let tail = AgentFailureDiagnosis.lastLines(of: stderr, count: count)
        var lines: [String] = []
        if !tail.isEmpty {
            lines.append("agent stderr (last \(tail.count) lines; all kept: "
                + "git show \(KanbotsRepository.runsRefPrefix)\(record.id):\(RunRecord.agentStderrFile)):")
            lines += tail.map { "  " + $0 }
        } else if let error = record.agentError {
            lines.append("agent error: \(error)")
        }
        if let fix = record.agentErrorFix { lines.append("fix: \(fix)") }
        return lines
    }
}
