import Foundation
import KanbotsCore

/// A run's recorded checks as JSON (`check --json`, `show --json`) and as
/// one line of text.
public struct ChecksJSON: JSONFields {
    public var result: ChecksResult

    public init(_ result: ChecksResult) { self.result = result }

    public func writeFields<Sink: JSONFieldSink>(to sink: inout Sink) throws {
        try sink.field("outcome", result.outcome.rawValue)
        try sink.field("exit_code", result.exitCode.map(Int.init))
        try sink.field("seconds", result.seconds)
        try sink.field("failed_command", result.failedCommand)
        try sink.field("commit", result.commit)
    }

    /// One line: `checks passed in 3.1 s on 1a2b3c4d5e`; `what` names the
    /// commands (`checks`, `setup`).
    public static func summary(_ result: ChecksResult, of what: String = "checks") -> String {
        let time = String(format: "%.1f s", result.seconds)
        let commit = result.commit.map { " on \($0.prefix(10))" } ?? ""
        switch result.outcome {
        case .passed:
            return "\(what) passed in \(time)\(commit)"
        case .failed:
            return "\(what) failed\(commit): `\(result.failedCommand ?? "?")` exited \(result.exitCode.map(String.init) ?? "?") after \(time)"
        case .timedOut:
            return "\(what) timed out\(commit): `\(result.failedCommand ?? "?")` was ended after \(time)"
        }
    }

    /// The last `lines` lines of a log.
    public static func tail(of log: Data, lines count: Int) -> String {
        let lines = String(decoding: log, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let trimmed = lines.last == "" ? lines.dropLast() : lines[...]
        return trimmed.suffix(max(0, count)).joined(separator: "\n")
    }
}
