import ArgumentParser
import Foundation
import KanbotsApp
import KanbotsStore
import KanbotsSystem
import KanbotsWeb

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the live web board: cards, run threads, diffs and decisions in a browser.",
        discussion: """
            Starts a local web server on 127.0.0.1 and prints the page's URL, which carries a \
            token made fresh at every start: whoever has the URL can start agents that spend \
            money, so treat it like a password. The page shows the same board as \
            `git kanbots board` and updates itself as runs progress, whatever changed the \
            repository. Every action on the page runs the same code as its CLI command.

            Stop the server with Ctrl-C; running agents carry on under their supervisors. \
            See docs/web.md for the API, the events and the security model.
            """
    )

    @Option(help: "Port to listen on (0 picks a free one).") var port: Int = 7420
    @Option(help: ArgumentHelp(
        "Address to listen on instead of 127.0.0.1, exposing the board to that network on purpose.",
        valueName: "addr"))
    var bind: String?
    @Flag(help: "Open the page in the default browser.") var open = false

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
    }

    func run() throws {
        let repository = try openInitializedRepository()
        let host = bind ?? "127.0.0.1"
        if let bind, !["127.0.0.1", "::1", "localhost"].contains(bind) {
            FileHandle.standardError.write(Data((
                "git-kanbots: warning: serving on \(bind): anyone who can reach it and learns the URL's token "
                    + "can start agents that spend money\n").utf8))
        }
        let server = WebServer(.init(repositoryPath: repository.workingDirectory, host: host, port: port))
        let openPage = open
        let folder = repository.workingDirectory
        let failure = ErrorBox()
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                try await server.run { url in
                    FileHandle.standardOutput.write(Data("git kanbots board: \(url)\n".utf8))
                    FileHandle.standardError.write(Data("  serving \(folder); Ctrl-C stops the server (runs carry on)\n".utf8))
                    if openPage { Self.openInBrowser(url) }
                }
            } catch {
                failure.error = error
            }
            done.signal()
        }
        done.wait()
        if let error = failure.error { throw error }
    }

    /// `xdg-open` (or macOS's `open`), detached; a failure is a warning.
    static func openInBrowser(_ url: String) {
        #if os(macOS)
        let spec = ProcessSpec(executable: "/usr/bin/open", arguments: [url], environment: ProcessInfo.processInfo.environment)
        #else
        let spec = ProcessSpec(executable: "/usr/bin/env", arguments: ["xdg-open", url],
                               environment: ProcessInfo.processInfo.environment)
        #endif
        do {
            let pid = try ProcessLauncher.spawn(spec)
            // The opener returns at once; reaped aside so it leaves no zombie while the server runs.
            Thread.detachNewThread { _ = ExitStatus.wait(pid) }
        } catch {
            FileHandle.standardError.write(Data("git-kanbots: warning: could not open a browser (\(error)); open the URL above\n".utf8))
        }
    }
}

/// The server's error, handed from its task to the waiting command.
private final class ErrorBox: @unchecked Sendable {
    var error: (any Error)?
}
