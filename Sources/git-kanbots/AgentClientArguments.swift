import ArgumentParser

/// What a supervisor gives `acp-client` and `aider-client`: the run's
/// prompt and model, then after `--` the agent's program and its arguments.
struct AgentClientArguments: ParsableArguments {
    @Option var prompt: String
    @Option var model: String?
    @Argument(parsing: .captureForPassthrough, help: "-- then the agent's program and its arguments.")
    var command: [String] = []

    /// The agent's program and its arguments.
    func program() throws -> (path: String, arguments: [String]) {
        let words = command.first == "--" ? Array(command.dropFirst()) : command
        guard let path = words.first else { throw ValidationError("give the agent's program after --") }
        return (path, Array(words.dropFirst()))
    }
}
