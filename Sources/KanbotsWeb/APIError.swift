import Foundation
import Hummingbird
import KanbotsCore
import KanbotsApp
import KanbotsGitHub
import KanbotsStore

/// An error as the API answers it: a status and `{"error": "one line"}`,
/// the line being what the CLI would print for the same failure.
struct APIError: HTTPResponseError {
    var status: HTTPResponse.Status
    var message: String

    static let unauthorized = APIError(
        status: .unauthorized, message: "missing or wrong token; open the URL `git kanbots serve` printed")
    static func forbidden(_ origin: String?) -> APIError {
        APIError(status: .forbidden, message: origin.map { "requests from origin \($0) are refused" }
            ?? "a state-changing request needs an Origin header naming this server")
    }
    static func badRequest(_ reason: String) -> APIError { APIError(status: .badRequest, message: reason) }
    static func notFound(_ what: String) -> APIError { APIError(status: .notFound, message: what) }

    /// Our own errors keep their one-line message; unknown runs and cards are
    /// 404, anything else the repository refused (a run that ended meanwhile,
    /// a card already closed, a bad value) is 409 and changed nothing.
    init(_ error: any Error) {
        switch error {
        case let error as APIError:
            self = error
        case let error as KanbotsError:
            switch error {
            case .unknownRun, .unknownCard: self.init(status: .notFound, message: "\(error)")
            case .badCardNumber, .ambiguousRun: self.init(status: .badRequest, message: "\(error)")
            default: self.init(status: .conflict, message: "\(error)")
            }
        case let error as IncompleteRequest:
            self.init(status: .badRequest, message: "\(error)")
        case let error as GitHubError:
            self.init(status: .badGateway, message: "\(error)")
        case let error as ExplainedError:
            // Refused as asked (ports exhausted, a setting that cannot be read): nothing changed.
            self.init(status: .conflict, message: "\(error)")
        default:
            self.init(status: .internalServerError, message: "\(error)")
        }
    }

    init(status: HTTPResponse.Status, message: String) {
        self.status = status
        self.message = message
    }

    func response(from request: Request, context: some RequestContext) throws -> Response { response }

    var response: Response {
        var bytes = (try? JSONOutput.encode(["error": "git-kanbots: " + message])) ?? []
        bytes.append(UInt8(ascii: "\n"))
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
