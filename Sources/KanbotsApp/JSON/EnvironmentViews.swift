import Foundation
import KanbotsCore
import KanbotsStore

/// A run's environment as JSON (`show --json`, `board --json`, the web
/// board): its ports, what came in from the main checkout, its setup and
/// the services that ended early (docs/environment.md).
public struct EnvironmentJSON: JSONFields {
    public var ports: String?
    public var port: Int?
    public var included: [String]
    public var setup: ChecksJSON?
    /// `pool` when the setup ran in the pool before the dispatch.
    public var setupSource: String?
    public var servicesExited: [String]

    /// Nil for a run with nothing to say (made before environments existed).
    public init?(_ record: RunRecord) {
        guard record.ports != nil || record.setup != nil || !record.included.isEmpty else { return nil }
        ports = record.ports
        port = record.ports.flatMap { $0.split(separator: "-").first.flatMap { Int($0) } }
        included = record.included
        setup = record.setup.map(ChecksJSON.init)
        setupSource = record.setupSource
        servicesExited = record.exitedServices
    }

    public func writeFields<Sink: JSONFieldSink>(to sink: inout Sink) throws {
        try sink.field("ports", ports)
        try sink.field("port", port)
        try sink.field("included", included)
        try sink.field("setup", setup)
        try sink.field("setup_source", setupSource)
        try sink.field("services_exited", servicesExited)
    }
}

/// How `show`, `log` and `board` tell about a run's environment.
public enum EnvironmentText {
    /// `show`'s lines: ports, setup, what was included, services that ended.
    public static func showLines(_ record: RunRecord, running: Bool) -> [String] {
        var lines: [String] = []
        if let ports = record.ports {
            let first = ports.split(separator: "-").first.map(String.init) ?? ports
            lines.append("  ports      \(ports)" + (running ? " · http://127.0.0.1:\(first)/" : ""))
        }
        if let setup = record.setup {
            let source = record.setupSource == WorktreePool.preparedSource ? " (the card's; the repository's ran in the pool)" : ""
            lines.append("  setup      \(ChecksJSON.summary(setup, of: "setup"))\(source)")
        } else if record.setupSource == WorktreePool.preparedSource {
            lines.append("  setup      prepared in the pool before the dispatch")
        }
        if !record.included.isEmpty { lines.append("  included   \(record.included.joined(separator: ", "))") }
        for service in record.exitedServices { lines.append("  service    \(service) while the run went on") }
        return lines
    }

    /// The board's line under a run whose environment failed it.
    public static func boardLine(_ record: RunRecord) -> String? {
        guard record.state == .failed, let reason = record.reason else { return nil }
        if reason.hasPrefix(Reason.setupFailed) {
            return "↳ setup failed: `git kanbots show \(record.id)` has its output; fix it, then `git kanbots setup \(record.id)`"
        }
        if reason.hasPrefix(Reason.serviceNotReady("")) {
            return "↳ a service never became ready: its log is in `git kanbots show \(record.id)`; check kanbots.service.*"
        }
        return nil
    }

    /// The last lines of a failed setup's output, for `show` and `log`.
    public static func failureBlock(_ record: RunRecord, store: RunStore, lines count: Int = 12) -> [String] {
        guard record.state == .failed, record.setup.map({ $0.outcome != .passed }) == true,
              let log = (try? store.attachment(RunRecord.setupLogFile, of: record.id)).flatMap({ $0 }) else { return [] }
        let tail = ChecksJSON.tail(of: log, lines: count)
        return ["setup output (last lines; all kept: git show \(KanbotsRepository.runsRefPrefix)\(record.id):\(RunRecord.setupLogFile)):"]
            + tail.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }
    }
}
