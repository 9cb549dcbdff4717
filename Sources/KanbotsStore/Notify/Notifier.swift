import KanbotsCore
import KanbotsSystem

/// Tells the human when something needs them or is done (docs/review.md,
/// "Notifications"): each event goes as one JSON line on the standard input
/// of `kanbots.notify` (a command of the user's, run with `/bin/sh -c`),
/// and as a desktop notification through `notify-send` where a desktop
/// session can show one. Both are started and left: a slow or broken
/// notifier never holds up a run, and a failure to notify is not an error.
public struct Notifier {
    let repository: KanbotsRepository

    public static let commandKey = "kanbots.notify"

    public enum Event: String, Sendable, CaseIterable {
        /// An agent asked a question.
        case decision
        /// A run waits for a human to land or fix it.
        case needsHuman = "needs_human"
        case failed
        case landed
        /// An autopilot session spent its budget.
        case budgetReached = "budget_reached"
        case sessionFinished = "session_finished"
    }

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    /// Sends `event` about `run` (or a session), with a line a human reads.
    public func send(_ event: Event, run: RunID? = nil, card: Int? = nil, session: String? = nil, text: String) {
        let command = Settings(repository).string(Self.commandKey).flatMap { $0.isEmpty ? nil : $0 }
        let desktop = Self.desktopNotifier()
        guard command != nil || desktop != nil else { return }
        let payload = Payload(event: event.rawValue, run: run?.description, card: card, session: session, text: text,
                              repository: repository.workingDirectory, time: Timestamp.format(Date()))
        guard let encoded = try? JSONEncoder().encode(payload) else { return }
        let line = String(decoding: encoded, as: UTF8.self) + "\n"
        if let command { start("/bin/sh", ["-c", command], input: line) }
        if let desktop { start(desktop, ["--app-name=git-kanbots", "git kanbots: \(event.rawValue)", text], input: nil) }
    }

    /// `notify-send`, when there is a desktop session to show it.
    static func desktopNotifier() -> String? {
        let environment = ProcessInfo.processInfo.environment
        guard environment["DISPLAY"] != nil || environment["WAYLAND_DISPLAY"] != nil
                || environment["DBUS_SESSION_BUS_ADDRESS"] != nil else { return nil }
        return ProcessLauncher.locate("notify-send")
    }

    /// Starts the notifier in its own process group with `input` on its
    /// standard input (a file, so nothing waits for it to read), and leaves it.
    private func start(_ executable: String, _ arguments: [String], input: String?) {
        var spec = ProcessSpec(executable: executable, arguments: arguments,
                               environment: ProcessInfo.processInfo.environment)
        spec.newProcessGroup = true
        spec.workingDirectory = repository.workingDirectory
        if let input {
            let directory = repository.stateDirectory + "/notify"
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let path = directory + "/event-\(getpid())-\(UInt32.random(in: 0 ... .max)).json"
            guard FileManager.default.createFile(atPath: path, contents: Data(input.utf8)),
                  let file = OpenFile(path, .reading) else { return }
            // The open descriptor keeps the data; the name can go at once.
            unlink(path)
            spec.standardInput = .descriptor(file.descriptor)
            _ = try? ProcessLauncher.spawn(spec)
            return
        }
        _ = try? ProcessLauncher.spawn(spec)
    }

    /// One event as the notify command reads it (docs/review.md, "Notifications").
    struct Payload: Encodable {
        var event: String
        var run: String?
        var card: Int?
        var session: String?
        var text: String
        var repository: String
        var time: String
    }
}
