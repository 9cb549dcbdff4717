import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A plain HTTP/1.1 client over a socket, so tests see exactly what the
/// server sends (status, Set-Cookie, redirects not followed) and can read
/// an event stream as it arrives.
struct HTTPResponse: CustomStringConvertible {
    var status: Int
    var headers: [String: String]
    var body: Data

    var text: String { String(decoding: body, as: UTF8.self) }
    func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw TestFailure("not a JSON object: \(text)")
        }
        return object
    }
    var error: String? { (try? json())?["error"] as? String }
    var description: String { "HTTP \(status) \(text.prefix(400))" }
}

#if canImport(Glibc)
private let streamSocket = Int32(SOCK_STREAM.rawValue)
private let noSignal = Int32(MSG_NOSIGNAL)
#else
private let streamSocket = SOCK_STREAM
private let noSignal: Int32 = 0
#endif

final class HTTPConnection {
    let descriptor: Int32
    private var buffer = Data()

    init(port: Int) throws {
        descriptor = socket(AF_INET, streamSocket, 0)
        guard descriptor >= 0 else { throw TestFailure("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { close(descriptor); throw TestFailure("cannot connect to 127.0.0.1:\(port)") }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(descriptor) }

    func write(_ text: String, body: Data = Data()) {
        let bytes = Data(text.utf8) + body
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let sent = send(descriptor, raw.baseAddress! + offset, raw.count - offset, noSignal)
                if sent <= 0 { return }
                offset += sent
            }
        }
    }

    /// Reads what arrives within ~200 ms; false once the server closed.
    @discardableResult
    func readSome() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = recv(descriptor, &chunk, chunk.count, 0)
        if count > 0 { buffer.append(contentsOf: chunk[0..<count]) }
        return count != 0
    }

    var received: String { String(decoding: buffer, as: UTF8.self) }

    /// Reads until `done` holds for what arrived, or throws after `timeout`.
    func read(until done: (String) -> Bool, timeout: TimeInterval) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !done(received) {
            guard Date() < deadline else { throw TestFailure("timed out after \(timeout)s; received: \(received.suffix(600))") }
            guard readSome() else { if done(received) { return }; throw TestFailure("connection closed; received: \(received.suffix(600))") }
        }
    }

    /// Reads one whole response (Content-Length or chunked).
    func response(timeout: TimeInterval) throws -> HTTPResponse {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let response = Self.parse(buffer) { return response }
            guard Date() < deadline else { throw TestFailure("no complete response after \(timeout)s: \(received.prefix(600))") }
            if !readSome(), Self.parse(buffer) == nil { throw TestFailure("connection closed mid-response: \(received.prefix(600))") }
        }
    }

    static func parse(_ data: Data) -> HTTPResponse? {
        guard let end = data.range(of: Data("\r\n\r\n".utf8)) else { return nil }
        let head = String(decoding: data[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        guard let statusLine = head.first, let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") else { return nil }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name] = headers[name].map { $0 + "\n" + value } ?? value
        }
        var rest = Data(data[end.upperBound...])
        if let length = headers["content-length"].flatMap(Int.init) {
            guard rest.count >= length else { return nil }
            return HTTPResponse(status: status, headers: headers, body: rest.prefix(length))
        }
        if headers["transfer-encoding"]?.contains("chunked") == true {
            var body = Data()
            while let lineEnd = rest.range(of: Data("\r\n".utf8)) {
                guard let size = Int(String(decoding: rest[..<lineEnd.lowerBound], as: UTF8.self), radix: 16) else { return nil }
                if size == 0 { return HTTPResponse(status: status, headers: headers, body: body) }
                let start = lineEnd.upperBound
                guard rest.count >= start - rest.startIndex + size + 2 else { return nil }
                body.append(rest[start..<(start + size)])
                rest = Data(rest[(start + size + 2)...])
            }
            return nil
        }
        return HTTPResponse(status: status, headers: headers, body: Data())
    }
}

/// `git kanbots serve --port 0` in a sandbox: its URL, token and a client.
final class ServedBoard {
    let process: RunningProcess
    let port: Int
    let token: String
    var url: String { "http://127.0.0.1:\(port)/?token=\(token)" }
    var origin: String { "http://127.0.0.1:\(port)" }

    init(_ sandbox: Sandbox, arguments: [String] = [], environment: [String: String] = [:]) throws {
        process = try sandbox.startKanbots(["serve", "--port", "0"] + arguments, environment: environment)
        let deadline = Date().addingTimeInterval(60)
        var found: (Int, String)?
        while found == nil {
            let output = process.stdoutSoFar
            if let line = output.split(separator: "\n").first(where: { $0.contains("?token=") }),
               let url = URLComponents(string: String(line.split(separator: " ").last ?? "")),
               let port = url.port, let token = url.queryItems?.first(where: { $0.name == "token" })?.value {
                found = (port, token)
            } else if !process.isRunning {
                throw TestFailure("serve ended: \(try process.wait(timeout: 5))")
            } else if Date() > deadline {
                throw TestFailure("serve printed no URL in 60s: \(output) \(process.stderrSoFar)")
            } else {
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        (port, token) = found!
    }

    /// One request; `auth` adds the bearer token, `origin` the Origin header.
    func request(_ method: String, _ path: String, json: String? = nil, auth: Bool = true, origin: String?? = .none,
                 headers extra: [String: String] = [:], timeout: TimeInterval = 60) throws -> HTTPResponse {
        let connection = try HTTPConnection(port: port)
        let body = Data((json ?? "").utf8)
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        if auth { head += "Authorization: Bearer \(token)\r\n" }
        let sentOrigin: String? = switch origin { case .none: method == "GET" ? nil : self.origin; case .some(let value): value }
        if let sentOrigin { head += "Origin: \(sentOrigin)\r\n" }
        for (name, value) in extra { head += "\(name): \(value)\r\n" }
        if json != nil || method == "POST" { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        connection.write(head + "\r\n", body: body)
        return try connection.response(timeout: timeout)
    }

    func get(_ path: String) throws -> HTTPResponse { try request("GET", path) }
    func post(_ path: String, _ json: String = "{}") throws -> HTTPResponse { try request("POST", path, json: json) }

    /// Opens the event stream (authenticated) and waits for its `hello`.
    func openEvents() throws -> HTTPConnection {
        let connection = try HTTPConnection(port: port)
        connection.write("GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAuthorization: Bearer \(token)\r\nAccept: text/event-stream\r\n\r\n")
        try connection.read(until: { $0.contains("event: hello") }, timeout: 30)
        return connection
    }
}
