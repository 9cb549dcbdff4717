import KanbotsCore
import KanbotsReview
import KanbotsStore

extension ReviewQueue {
    /// One run's review (`git kanbots review RUN`): its entry with its
    /// readiness, or why there is nothing to review.
    public func review(_ id: RunID, in repository: KanbotsRepository) throws -> (entry: Entry, readiness: Readiness) {
        guard let view = board.runs.first(where: { $0.record.id == id }) else {
            // A record that cannot be read says so; else the run is not on this board.
            _ = try RunStore(repository).record(id)
            throw KanbotsError.unknownRun(id.description)
        }
        let record = view.record
        guard view.observation.branchTip != nil else {
            throw KanbotsError.invalidArgument(
                "run \(id) has no branch \(record.branch) any more (\(view.displayState)); there is nothing to review")
        }
        guard let readiness = readiness[id] else {
            throw KanbotsError.invalidArgument(
                "run \(id) has no commits of its own on \(record.branch) (\(view.displayState)); there is nothing to review"
                    + (record.state.isActive ? " yet" : "; `git kanbots reply \(id)` to ask for more, or discard it"))
        }
        let card = try? CardStore(repository).card(record.card)
        return (Entry(view: view, card: card, readiness: readiness), readiness)
    }
}
