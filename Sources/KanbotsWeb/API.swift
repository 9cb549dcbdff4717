import Foundation
import Hummingbird
import KanbotsApp
import KanbotsCore
import KanbotsStore

/// The JSON API (docs/web.md). Reads answer what the CLI's `--json` prints;
/// each action calls the KanbotsApp use case of its CLI command and answers
/// with the CLI's one-line error when the repository refuses.
struct API: Sendable {
    let repositoryPath: String
    let hub: EventHub
    let boardCache: BoardCache

    init(repositoryPath: String, hub: EventHub) {
        self.repositoryPath = repositoryPath
        self.hub = hub
        boardCache = BoardCache { hub.boardVersion }
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/api/board") { _, _ in try await board() }
        router.get("/api/events") { _, _ in events() }
        router.get("/api/runs/:run") { _, context in
            let text = try context.parameters.require("run")
            return try await read { repository in
                let id = try resolveRun(text, in: repository)
                return RunDetailJSON(run: RunJSON(try runView(id, in: repository)),
                                     transitions: try runTransitions(id, in: repository))
            }
        }
        router.get("/api/runs/:run/thread") { _, context in
            let text = try context.parameters.require("run")
            return try await read { repository in
                var thread = try RunThread(try RunStore(repository).record(try resolveRun(text, in: repository)),
                                           in: repository)
                return ["lines": try thread.renderAll() ?? []]
            }
        }
        router.get("/api/runs/:run/diff") { _, context in
            let text = try context.parameters.require("run")
            return try await read { repository in
                let record = try RunStore(repository).record(try resolveRun(text, in: repository))
                return try DiffJSON(RunChanges(record, in: repository))
            }
        }
        router.get("/api/cards/:card") { _, context in
            let text = try context.parameters.require("card")
            return try await read { repository in
                let (card, runs) = try CardActions(repository).show(try parseCardNumber(text))
                var json = CardJSON(card)
                json.runs = runs.map(\.id.description)
                return json
            }
        }
        let actions = Actions(api: self)
        actions.register(on: router)
        QueueRoutes(api: self, actions: actions).register(on: router)
    }

    // MARK: Plumbing

    /// Opens the repository afresh (no cache that could disagree with git),
    /// does `work` off the shared threads and answers its value as JSON.
    func read(status: HTTPResponse.Status = .ok, changes: Bool = false,
              _ work: @escaping @Sendable (KanbotsRepository) throws -> any Encodable) async throws -> Response {
        let path = repositoryPath
        let answer = { @Sendable () throws -> [UInt8] in
            var bytes = try JSONOutput.encode(try work(try openInitializedRepository(at: path)))
            bytes.append(UInt8(ascii: "\n"))
            return bytes
        }
        do {
            let bytes = try await changes ? Blocking.run(answer) : Blocking.read(answer)
            return Self.json(bytes, status: status)
        } catch {
            return APIError(error).response
        }
    }

    /// Like `read`, for an action: the kept board is forgotten once it ran.
    func change(status: HTTPResponse.Status = .ok,
                _ work: @escaping @Sendable (KanbotsRepository) throws -> any Encodable) async throws -> Response {
        let cache = boardCache
        return try await read(status: status, changes: true) { repository in
            defer { cache.invalidate() }
            return try work(repository)
        }
    }

    /// `board --json`, computed once per change however many pages ask (see BoardCache).
    func board() async throws -> Response {
        let (path, cache, version) = (repositoryPath, boardCache, hub.boardVersion)
        do {
            let bytes = try await Blocking.read {
                try cache.board(version: version) {
                    let board = try BoardQuery(try openInitializedRepository(at: path)).load()
                    var bytes = try JSONOutput.encode(try board.json())
                    board.snapshot.saveCache()
                    bytes.append(UInt8(ascii: "\n"))
                    return bytes
                }
            }
            return Self.json(bytes, status: .ok)
        } catch {
            return APIError(error).response
        }
    }

    static func json(_ bytes: [UInt8], status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// The Server-Sent Events stream: `hello` at once, then `board` and
    /// `thread` events as the repository changes, and a comment every 15 s
    /// so proxies and dead connections are noticed.
    func events() -> Response {
        let stream = hub.subscribe()
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-store", .init("X-Accel-Buffering")!: "no"],
            body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "retry: 1000\nevent: hello\ndata: {}\n\n"))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    let (ticks, tick) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(64))
                    group.addTask {
                        while !Task.isCancelled {
                            try await Task.sleep(for: .seconds(15))
                            tick.yield(": keep-alive\n\n")
                        }
                    }
                    group.addTask {
                        for await event in stream { tick.yield(event.wire) }
                        tick.finish()
                    }
                    for await text in ticks { try await writer.write(ByteBuffer(string: text)) }
                    group.cancelAll()
                }
                try await writer.finish(nil)
            })
    }
}
