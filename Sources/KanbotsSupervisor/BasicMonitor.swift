import Foundation
import KanbotsCore

/// Temporary: reads only Claude's init and result events.
public struct BasicMonitor: StreamMonitor {
    public var costUSD: Double = 0
    public var turns: Int = 0
    public var sessionID: String?
    public var model: String?
    public var rateLimit: LiveStatus.RateLimit?
    public var result: StreamResult?
    public var events: Int = 0

    public init() {}

    public mutating func consume(_ line: Data) {
        events += 1
        guard let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any] else { return }
        if object["type"] as? String == "system", object["subtype"] as? String == "init" {
            sessionID = object["session_id"] as? String
            model = object["model"] as? String
        }
        if object["type"] as? String == "result" {
            costUSD = (object["total_cost_usd"] as? Double) ?? costUSD
            turns = (object["num_turns"] as? Int) ?? turns
            result = StreamResult(isError: (object["is_error"] as? Bool) ?? false, subtype: object["subtype"] as? String)
        }
    }
}
