import Foundation
import Hummingbird
import KanbotsApp
import KanbotsStore
import Logging
import NIOCore

/// `git kanbots serve`: one page, a JSON API and a Server-Sent Events
/// stream over the repository's git state. Every request needs the token
/// made at start (see AccessGuard); every action calls the same KanbotsApp
/// use case as its CLI command. The server keeps no state of its own beyond
/// the token: each request reads git afresh.
public struct WebServer: Sendable {
    public struct Configuration: Sendable {
        /// A folder in the repository (any worktree of it).
        public var repositoryPath: String
        public var host: String
        /// 0 picks a free port.
        public var port: Int
        /// How often the repository is checked for changes.
        public var pollInterval: Duration

        public init(repositoryPath: String, host: String = "127.0.0.1", port: Int = 7420,
                    pollInterval: Duration = .milliseconds(100)) {
            self.repositoryPath = repositoryPath
            self.host = host
            self.port = port
            self.pollInterval = pollInterval
        }
    }

    public let configuration: Configuration
    /// Fresh at every start: whoever holds it can spend money.
    public let token: String

    public init(_ configuration: Configuration) {
        self.configuration = configuration
        token = AccessGuard.makeToken()
    }

    /// Serves until the process ends. `onReady` gets the page's URL (with
    /// the token) once the port is bound.
    public func run(onReady: @escaping @Sendable (String) -> Void) async throws {
        let repository = try openInitializedRepository(at: configuration.repositoryPath)
        let hub = EventHub()
        let watcher = RepositoryWatcher(commonDirectory: repository.commonDirectory,
                                        stateDirectory: repository.stateDirectory)
        let api = API(repositoryPath: configuration.repositoryPath, hub: hub)
        let boundPort = PortBox()
        let guardian = AccessGuard(token: token, host: configuration.host, port: { boundPort.value })

        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: guardian)
        api.register(on: router)
        Assets.register(on: router)

        let host = configuration.host
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                boundPort.value = port
                let shownHost = host.contains(":") ? "[\(host)]" : host
                onReady("http://\(shownHost):\(port)/?token=\(token)")
            },
            logger: Self.quietLogger)
        let poll = Task {
            await watcher.watch(every: configuration.pollInterval) { change in hub.publish(change) }
        }
        defer { poll.cancel() }
        do {
            try await app.run()
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            throw KanbotsError.invalidArgument(
                "port \(configuration.port) on \(host) is taken; choose another with --port N (or --port 0 for any free port)")
        } catch let error as IOError where error.errnoCode == EADDRNOTAVAIL {
            throw KanbotsError.invalidArgument("cannot listen on \(host): no such local address; check --bind")
        }
    }
}

extension WebServer {
    /// The CLI prints what matters itself; the framework only reports trouble.
    static var quietLogger: Logger {
        var logger = Logger(label: "git-kanbots.serve")
        logger.logLevel = .error
        return logger
    }
}

/// The port once bound, read by the Origin check.
final class PortBox: @unchecked Sendable {
    private let lock = NSLock()
    private var port = 0
    var value: Int {
        get { lock.withLock { port } }
        set { lock.withLock { port = newValue } }
    }
}
