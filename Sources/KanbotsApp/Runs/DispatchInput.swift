import Foundation
import KanbotsCore
import KanbotsRuns

/// What a front end asks `RunActions.dispatch` for: the options a person
/// can give on the command line or in the page's dispatch form.
///
/// KanbotsApp's own type, not KanbotsRuns's `DispatchRequest`, so the
/// executables and the web server depend on the use case only, never on the
/// lifecycle module beneath it (issue 18). Fields only the lifecycle's own
/// callers set (extra record fields, prompt context) stay on `DispatchRequest`.
public struct DispatchInput: Sendable {
    public var card: Int
    public var agent: String?
    public var model: String?
    public var base: String?
    public var capUSD: Double?
    public var persona: String?
    /// Seconds after which an unanswered, reversible question takes its
    /// default (nil: `kanbots.decide-after`).
    public var decideAfter: TimeInterval?
    /// The run's wall-clock cap (`--max-time`): nil takes `kanbots.max-time`.
    public var maxTime: MaxTime?
    /// Where the run's supervisor runs (`--on`): nil takes the card's `On:`,
    /// then `kanbots.executor`, then local.
    public var executor: ExecutorKind?

    public init(card: Int, agent: String? = nil, model: String? = nil, base: String? = nil,
                capUSD: Double? = nil, persona: String? = nil, decideAfter: TimeInterval? = nil) {
        self.card = card
        self.agent = agent
        self.model = model
        self.base = base
        self.capUSD = capUSD
        self.persona = persona
        self.decideAfter = decideAfter
    }

    var request: DispatchRequest {
        var request = DispatchRequest(card: card, agent: agent, model: model, base: base, capUSD: capUSD,
                                      persona: persona, decideAfter: decideAfter)
        request.maxTime = maxTime
        request.executor = executor
        return request
    }
}
