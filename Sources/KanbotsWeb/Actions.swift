import Foundation
import Hummingbird
import KanbotsApp
import KanbotsCore
import KanbotsStore

/// The state-changing half of the API: one route per CLI action, each
/// calling the same KanbotsApp use case (docs/web.md lists the bodies).
struct Actions: Sendable {
    let api: API

    struct NewCard: Decodable { var title: String; var body: String?; var backlog: Bool? }
    struct EditCard: Decodable { var title: String?; var body: String?; var lane: String?; var close: Bool?; var reopen: Bool? }
    struct Dispatch: Decodable { var agent: String?; var model: String?; var cap: Double?; var base: String?; var persona: String? }
    struct Reply: Decodable { var message: String; var cap: Double? }
    struct Answer: Decodable { var answer: String? }
    struct Promote: Decodable { var merge: Bool?; var into: String?; var remote: String?; var draft: Bool?; var title: String? }
    struct AutopilotStart: Decodable {
        var budget: Double; var parallel: Int?; var runCap: Double?; var agent: String?; var model: String?
        var personas: [String]?; var cards: [Int]?
    }
    struct AutopilotStop: Decodable { var session: String?; var kill: Bool? }
    struct Empty: Decodable {}

    /// Seconds an action waits for a run to stop, as `stop` does.
    static let stopTimeout = RunActions.defaultStopTimeout

    func register(on router: Router<BasicRequestContext>) {
        router.post("/api/cards") { request, context in
            let body = try await decode(NewCard.self, request, context)
            return try await api.change(status: .created) { repository in
                CardJSON(try CardActions(repository).create(title: body.title, body: body.body ?? "",
                                                             backlog: body.backlog ?? false))
            }
        }
        router.post("/api/cards/:card") { request, context in
            let number = try context.parameters.require("card")
            let body = try await decode(EditCard.self, request, context)
            return try await api.change { repository in
                let actions = CardActions(repository)
                let number = try parseCardNumber(number)
                var edit = CardEdit(title: body.title, body: body.body, lane: body.lane)
                edit.reopen = body.reopen ?? false
                var card = try actions.edit(number, edit)
                if body.close == true { card = try actions.close(number) }
                return CardJSON(card)
            }
        }
        router.post("/api/cards/:card/dispatch") { request, context in
            let number = try context.parameters.require("card")
            let body = try await decode(Dispatch.self, request, context)
            return try await api.change(status: .created) { repository in
                let record = try RunActions(repository).dispatch(DispatchInput(
                    card: try parseCardNumber(number), agent: body.agent?.nonEmpty, model: body.model?.nonEmpty,
                    base: body.base?.nonEmpty, capUSD: body.cap, persona: body.persona?.nonEmpty)).record
                return RunJSON(try runView(record.id, in: repository))
            }
        }
        router.post("/api/runs/:run/stop") { request, context in
            let text = try context.parameters.require("run")
            _ = try await decode(Empty.self, request, context)
            return try await api.change { repository in
                let id = try resolveRun(text, in: repository)
                // A run that had ended is left as it was and answered as it is,
                // as `stop` does (docs/web.md): stopping is idempotent.
                _ = try RunActions(repository).stop([id], timeout: Self.stopTimeout)
                return RunJSON(try runView(id, in: repository))
            }
        }
        router.post("/api/stop-all") { request, context in
            _ = try await decode(Empty.self, request, context)
            return try await api.change { repository in
                let actions = RunActions(repository)
                let (results, _) = try actions.stop(try actions.activeRunsOnThisHost(), timeout: Self.stopTimeout)
                return ["stopped": results.compactMap { result -> String? in
                    if case .stopped(let record) = result { return record.id.description }
                    return nil
                }]
            }
        }
        router.post("/api/runs/:run/reply") { request, context in
            let text = try context.parameters.require("run")
            let body = try await decode(Reply.self, request, context)
            return try await api.change(status: .created) { repository in
                let record = try RunActions(repository).reply(
                    try resolveRun(text, in: repository), message: body.message, cap: body.cap)
                return RunJSON(try runView(record.id, in: repository))
            }
        }
        router.post("/api/runs/:run/answer") { request, context in
            let text = try context.parameters.require("run")
            let body = try await decode(Answer.self, request, context)
            return try await api.change { repository in
                let id = try resolveRun(text, in: repository)
                return AnswerJSON(try RunActions(repository).answer(id, with: body.answer?.nonEmpty), run: id)
            }
        }
        router.post("/api/runs/:run/promote") { request, context in
            let text = try context.parameters.require("run")
            let body = try await decode(Promote.self, request, context)
            return try await api.change { repository in
                let promotion = try Promotion(repository, run: text)
                let output: PromotionJSON
                if body.merge == true {
                    let merged = try promotion.merge(into: body.into?.nonEmpty)
                    output = PromotionJSON(merged, of: promotion.record)
                } else {
                    let connection = GitHubConnection(repository, remote: body.remote?.nonEmpty)
                    let opened = try promotion.promote(remote: connection.remote, draft: body.draft ?? true,
                                                       title: body.title?.nonEmpty, connection: connection)
                    output = PromotionJSON(opened, of: promotion.record)
                }
                _ = GitHubCards.mirrorAfterChange(in: repository, cards: [promotion.record.card])
                return output
            }
        }
        router.post("/api/runs/:run/discard") { request, context in
            let text = try context.parameters.require("run")
            _ = try await decode(Empty.self, request, context)
            return try await api.change { repository in
                // Discarding a discarded run changes nothing and succeeds, as `discard` does.
                let discarded = try RunActions(repository).discard(try resolveRun(text, in: repository))
                return RunJSON(try runView(discarded.record.id, in: repository))
            }
        }
        router.post("/api/autopilot/start") { request, context in
            let body = try await decode(AutopilotStart.self, request, context)
            return try await api.change(status: .created) { repository in
                var start = AutopilotStartRequest(budgetUSD: body.budget)
                start.parallel = body.parallel ?? start.parallel
                start.runCapUSD = body.runCap
                start.agent = body.agent?.nonEmpty
                start.model = body.model?.nonEmpty
                start.personas = body.personas ?? start.personas
                start.cards = body.cards
                let (session, pid) = try AutopilotActions(repository).start(start)
                return AutopilotStartJSON(session, pid: pid)
            }
        }
        router.post("/api/autopilot/stop") { request, context in
            let body = try await decode(AutopilotStop.self, request, context)
            return try await api.change { repository in
                let (session, stopped) = try AutopilotActions(repository).stop(
                    body.session?.nonEmpty, killRuns: body.kill ?? false, timeout: Self.stopTimeout)
                return AutopilotStopJSON(session, stoppedRuns: stopped)
            }
        }
    }

    /// The request's JSON body as `T` (an empty body counts as `{}`), or 400 with the reason.
    func decode<T: Decodable>(_ type: T.Type, _ request: Request, _ context: BasicRequestContext) async throws -> T {
        var request = request
        let buffer = try await request.collectBody(upTo: 1 << 20)
        let data = buffer.readableBytes == 0 ? Data("{}".utf8) : Data(buffer.readableBytesView)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(T.self, from: data)
        } catch let error as DecodingError {
            throw APIError.badRequest("malformed JSON body: \(error.reason)")
        } catch {
            throw APIError.badRequest("malformed JSON body: \(error.localizedDescription)")
        }
    }
}

extension DecodingError {
    /// One line: which field, and what was wrong with it.
    var reason: String {
        func path(_ context: Context) -> String {
            let keys = context.codingPath.map(\.stringValue).filter { !$0.isEmpty }
            return keys.isEmpty ? "the body" : "'" + keys.joined(separator: ".") + "'"
        }
        switch self {
        case .keyNotFound(let key, _): return "'\(key.stringValue)' is required"
        case .typeMismatch(let type, let context): return "\(path(context)) must be \(type)"
        case .valueNotFound(let type, let context): return "\(path(context)) must be \(type), not null"
        case .dataCorrupted(let context): return context.underlyingError.map { "\($0.localizedDescription)" } ?? context.debugDescription
        @unknown default: return "\(self)"
        }
    }
}

extension String {
    /// nil for an empty form field.
    var nonEmpty: String? { isEmpty ? nil : self }
}
