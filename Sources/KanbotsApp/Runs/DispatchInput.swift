import Foundation
import KanbotsCore
import KanbotsRuns

/// What a front end asks `RunActions.dispatch` for: the options a person
/// can give on the command line or in the page's dispatch form.
///
/// KanbotsApp's own type, so the executables and the web server depend on
/// the use case only, never on the lifecycle module beneath it (issue 18).
/// It carries KanbotsRuns's `DispatchRequest` and shows only what a person
/// sets; the fields the lifecycle's own callers add (extra record fields,
/// prompt context) stay out of reach. The options mean what they mean there.
public struct DispatchInput: Sendable {
    var request: DispatchRequest

    public init(card: Int, agent: String? = nil, model: String? = nil, base: String? = nil,
                capUSD: Double? = nil, persona: String? = nil, decideAfter: TimeInterval? = nil) {
        request = DispatchRequest(card: card, agent: agent, model: model, base: base, capUSD: capUSD,
                                  persona: persona, decideAfter: decideAfter)
    }

    public var card: Int { request.card }
    public var capUSD: Double? { request.capUSD }
    public var agent: String? { get { request.agent } set { request.agent = newValue } }
    public var model: String? { get { request.model } set { request.model = newValue } }
    public var maxTime: MaxTime? { get { request.maxTime } set { request.maxTime = newValue } }
    public var executor: ExecutorKind? { get { request.executor } set { request.executor = newValue } }
}
