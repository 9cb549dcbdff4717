/// The arguments `SupervisorLauncher` and `OrchestratorLauncher` pass, parsed
/// by hand: the lean executable carries no argument parser.
struct LeanInvocation: Equatable {
    enum Role: Equatable {
        case supervisor(reattach: Bool)
        /// A remote run's supervisor inside its job (`JobScript`).
        case job
        /// A remote job's transcript checkpoint before each push (`checkpointJob`).
        case checkpoint
        case orchestrator
    }

    var role: Role
    /// The run id or the session id.
    var name: String
    var repository: String

    init?<Arguments: Collection>(_ arguments: Arguments) where Arguments.Element == String {
        var words = Array(arguments)
        guard words.count >= 2 else { return nil }
        let verb = words.removeFirst()
        name = words.removeFirst()
        var repository: String?
        var reattach = false
        while !words.isEmpty {
            switch words.removeFirst() {
            case "--repository" where !words.isEmpty: repository = words.removeFirst()
            case "--reattach" where verb == "run": reattach = true
            default: return nil
            }
        }
        guard let repository else { return nil }
        self.repository = repository
        switch verb {
        case "run": role = .supervisor(reattach: reattach)
        case "job": role = .job
        case "checkpoint": role = .checkpoint
        case "orchestrate": role = .orchestrator
        default: return nil
        }
    }
}
