import Foundation
import KanbotsStore

/// `fsck --json` (docs/json.md).
public struct FsckJSON: Encodable {
    public var ok: Bool
    public var findings: [FindingJSON]
    public var repairs: [RepairJSON]
    public var remaining: [FindingJSON]

    public init(findings: [Checkup.Finding], repairs: [CheckupRepair.Action], remaining: [Checkup.Finding]) {
        ok = remaining.isEmpty
        self.findings = findings.map(FindingJSON.init)
        self.repairs = repairs.map(RepairJSON.init)
        self.remaining = remaining.map(FindingJSON.init)
    }
}

public struct FindingJSON: JSONFields {
    var finding: Checkup.Finding
    init(_ finding: Checkup.Finding) { self.finding = finding }

    public func writeFields<Sink: JSONFieldSink>(to sink: inout Sink) throws {
        try sink.field("kind", finding.kind.rawValue)
        try sink.field("subject", finding.subject)
        try sink.field("run", finding.run?.description)
        try sink.field("detail", finding.detail)
        try sink.field("fix", finding.fix)
    }
}

public struct RepairJSON: JSONFields {
    var action: CheckupRepair.Action
    init(_ action: CheckupRepair.Action) { self.action = action }

    public func writeFields<Sink: JSONFieldSink>(to sink: inout Sink) throws {
        try sink.field("subject", action.subject)
        try sink.field("run", action.run?.description)
        try sink.field("repaired", action.repaired)
        try sink.field("description", action.description)
    }
}
