import KanbotsAgents
import KanbotsCore
import KanbotsSystem

/// Live metering of a Codex run from Codex's own session log.
///
/// `codex exec --json` states usage only in `turn.completed`, and one
/// `codex exec` is one turn however many model calls it makes: a runaway
/// would show no cost until it stopped by itself. Codex also appends every
/// event of the thread to its "rollout" file,
/// `$CODEX_HOME/sessions/YYYY/MM/DD/rollout-<time>-<thread id>.jsonl`, with a
/// `token_count` event (`payload.info.last_token_usage`) after each model
/// response. Summing those from where this process started gives a live
/// figure the supervisor caps on; the stream's `turn.completed` stays the
/// final word when it is higher.
final class CodexRolloutMeter {
    private let sessionsFolder: String
    private let prices: PriceTable
    private let model: String
    private var threadID: String?
    private var tail: TranscriptTail?
    private var startOffset: Int64 = 0
    private var nextSearch = Date.distantPast
    private var responses = 0
    private(set) var costUSD: Double = 0

    /// - Parameters:
    ///   - resumedThread: the thread a reply resumes: its rollout already
    ///     holds earlier runs' usage, so reading starts at its current end.
    init(environment: [String: String], prices: PriceTable, model: String?, resumedThread: String?) {
        let home = environment["CODEX_HOME"] ?? ((environment["HOME"] ?? PathName.home) + "/.codex")
        sessionsFolder = home + "/sessions"
        self.prices = prices
        self.model = model ?? "unknown"
        if let resumedThread {
            threadID = resumedThread
            if let path = findRollout(resumedThread) {
                let size = PathName.fileSize(path) ?? 0
                startOffset = Int64(size)
                tail = TranscriptTail(path: path, offset: startOffset)
            }
        }
    }

    /// Reads what Codex logged since the last call. `thread` is the thread
    /// id from the stream (`thread.started`), once it is known.
    func poll(thread: String?) {
        if threadID == nil { threadID = thread }
        if tail == nil, let threadID, Date() >= nextSearch {
            nextSearch = Date().addingTimeInterval(1)
            tail = findRollout(threadID).map { TranscriptTail(path: $0, offset: startOffset) }
        }
        guard let tail else { return }
        for line in tail.readLines() {
            guard let usage = Self.lastTokenUsage(in: line) else { continue }
            responses += 1
            costUSD += prices.cost(of: TokenUsage(messageID: "rollout-\(responses)", model: model, tokens: usage))
        }
    }

    private func findRollout(_ thread: String) -> String? {
        let relative = (try? FileManager.default.subpathsOfDirectory(atPath: sessionsFolder)) ?? []
        return relative.first { $0.hasSuffix(thread + ".jsonl") }.map { sessionsFolder + "/" + $0 }
    }

    /// `{"type":"event_msg","payload":{"type":"token_count","info":{"last_token_usage":{…}}}}`
    /// as token counts split like the stream's (cached input apart).
    static func lastTokenUsage(in line: Data) -> TokenCounts? {
        guard line.containsBytes(Array(#""token_count""#.utf8)),
              let object = try? DynamicJSON.parse(line) as? [String: Any],
              let payload = object["payload"] as? [String: Any], payload["type"] as? String == "token_count",
              let info = payload["info"] as? [String: Any],
              let usage = info["last_token_usage"] as? [String: Any] else { return nil }
        return CodexStreamParser.tokenCounts(fromUsage: usage)
    }
}
