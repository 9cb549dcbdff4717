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

    public static func summary(_ result: ChecksResult) -> String {
        let time = String(format: "%.1f s", result.seconds)
        let commit = result.commit.map { " on \($0.prefix(10))" } ?? ""
        switch result.outcome {
        case .passed:
            return "checks passed in \(time)\(commit)"
        case .failed:
            return "checks failed\(commit): `\(result.failedCommand ?? "?")` exited \(result.exitCode.map(String.init) ?? "?") after \(time)"
        case .timedOut:
            return "checks timed out\(commit): `\(result.failedCommand ?? "?")` was ended after \(time)"
        }
    }

    /// The last `lines` lines of a log.
    public static func tail(of log: Data, lines count: Int) -> String {
        let lines = String(decoding: log, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let trimmed = lines.last == "" ? lines.dropLast() : lines[...]
        return trimmed.suffix(max(0, count)).joined(separator: "\n")
    }
}
