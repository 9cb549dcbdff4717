import Hummingbird

/// The page: plain HTML, CSS and JS, embedded in the binary by SwiftPM
/// (`embedInCode`), so an installed `git-kanbots` needs no files beside it
/// and nothing is fetched from elsewhere.
enum Assets {
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        .cacheControl: "no-store",
        .init("Referrer-Policy")!: "no-referrer",
    ]

    static func register(on router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in serve(PackageResources.index_html, type: "text/html; charset=utf-8") }
        router.get("/app.js") { _, _ in serve(PackageResources.app_js, type: "text/javascript; charset=utf-8") }
        router.get("/queue.js") { _, _ in serve(PackageResources.queue_js, type: "text/javascript; charset=utf-8") }
        router.get("/app.css") { _, _ in serve(PackageResources.app_css, type: "text/css; charset=utf-8") }
        router.get("/favicon.svg") { _, _ in serve(PackageResources.favicon_svg, type: "image/svg+xml") }
    }

    static func serve(_ bytes: [UInt8], type: String) -> Response {
        var headers = securityHeaders
        headers[.contentType] = type
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
