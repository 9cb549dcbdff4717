import Foundation
import Hummingbird

/// The door: this server can start agents that spend money.
///
/// - Every request carries the token: as `?token=` on the first page load
///   (swapped at once for an HttpOnly, SameSite=Strict cookie and a redirect
///   that drops it from the address bar), then as that cookie, or as
///   `Authorization: Bearer TOKEN` for scripts. Otherwise 401.
/// - A state-changing request (anything but GET and HEAD) must also carry an
///   `Origin` naming this server, so no other site can drive it from a
///   user's browser (CSRF). Otherwise 403.
struct AccessGuard: RouterMiddleware {
    typealias Context = BasicRequestContext

    let token: String
    let host: String
    let port: @Sendable () -> Int

    static func makeToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(format: "%016llx", generator.next() as UInt64) }.joined()
    }

    /// Per port, so two servers on one machine do not overwrite each other's cookie.
    var cookieName: String { "kanbots_token_\(port())" }

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        if let offered = request.uri.queryParameters.get("token") {
            guard Self.same(offered, token) else { return APIError.unauthorized.response }
            if request.method == .get, request.uri.path == "/" {
                var response = Response.redirect(to: "/", type: .found)
                response.headers[.setCookie] = "\(cookieName)=\(token); Path=/; HttpOnly; SameSite=Strict"
                response.headers[.cacheControl] = "no-store"
                return response
            }
        } else if !carriesToken(request) {
            return APIError.unauthorized.response
        }
        if request.method != .get, request.method != .head {
            guard let origin = request.headers[.origin], allowedOrigins(host: request.head.authority).contains(origin) else {
                return APIError.forbidden(request.headers[.origin]).response
            }
        }
        var response = try await next(request, context)
        response.headers[.init("X-Content-Type-Options")!] = "nosniff"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        return response
    }

    private func carriesToken(_ request: Request) -> Bool {
        if let cookie = request.cookies[cookieName]?.value, Self.same(cookie, token) { return true }
        if let authorization = request.headers[.authorization], authorization.hasPrefix("Bearer "),
           Self.same(String(authorization.dropFirst(7)), token) { return true }
        return false
    }

    var isLoopback: Bool { ["127.0.0.1", "::1", "localhost"].contains(host) }

    /// The origins a page served by this server has: its loopback names, or,
    /// bound elsewhere on purpose (`--bind`), the name it was reached by.
    func allowedOrigins(host requestHost: String?) -> Set<String> {
        let port = port()
        var origins = Set(["127.0.0.1", "localhost", "[::1]"].map { "http://\($0):\(port)" })
        if !isLoopback, let requestHost { origins.insert("http://\(requestHost)") }
        return origins
    }

    /// Compares in time independent of where the strings differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
