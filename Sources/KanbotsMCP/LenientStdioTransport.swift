import Foundation
import Logging
import MCP

/// Stdio transport that accepts the `initialize` request of every client we
/// start. Codex 0.163.0 sends `capabilities.experimental` as objects
/// (`{"codex/auth-change":{}}`), which the MCP SDK (0.12.1) decodes as
/// `[String: String]` and rejects, failing the handshake: Codex then offers
/// the agent no `ask` tool at all. Experimental capabilities mean nothing to
/// this server, so they are dropped before the SDK decodes the request.
actor LenientStdioTransport: Transport {
    private let inner = StdioTransport()

    nonisolated var logger: Logger { inner.logger }

    func connect() async throws { try await inner.connect() }
    func disconnect() async { await inner.disconnect() }
    func send(_ data: Data) async throws { try await inner.send(data) }

    func receive() -> AsyncThrowingStream<Data, Swift.Error> {
        let inner = inner
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await message in await inner.receive() { continuation.yield(Self.withoutExperimentalCapabilities(message)) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    static func withoutExperimentalCapabilities(_ message: Data) -> Data {
        guard message.range(of: Data(#""experimental""#.utf8)) != nil,
              var request = try? JSONSerialization.jsonObject(with: message) as? [String: Any],
              request["method"] as? String == "initialize",
              var params = request["params"] as? [String: Any],
              var capabilities = params["capabilities"] as? [String: Any],
              capabilities.removeValue(forKey: "experimental") != nil else { return message }
        params["capabilities"] = capabilities
        request["params"] = params
        return (try? JSONSerialization.data(withJSONObject: request)) ?? message
    }
}
