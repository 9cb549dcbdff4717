import KanbotsCore

/// Questions and answers as transitions of the run record: asking moves the
/// run to `awaiting_decision` with the question in the record, answering
/// moves it back with the answer. Both are compare-and-swap writes, so a
/// human answering and a timeout taking the default at the same instant
/// cannot both win.
public struct DecisionStore {
    let repository: KanbotsRepository

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    /// Records a question for a running run and returns it numbered; nil
    /// while another question of the run is open (one at a time: the agent
    /// may call the tool twice in parallel).
    public func ask(_ id: RunID, _ make: (_ number: Int) -> Question) throws -> Question? {
        var asked: Question?
        try RunStore(repository).update(id) { record in
            asked = nil  // a compare-and-swap that lost re-runs this closure
            if record.state == .awaitingDecision { return false }
            guard record.state == .running else {
                throw KanbotsError.invalidArgument("run \(id) is \(record.state.rawValue); only a running run can ask")
            }
            let question = make(record.questionsAsked + 1)
            record.ask(question)
            if record.sessionID == nil {
                // Kept with the question so a dead agent can be resumed with the answer.
                record.sessionID = LiveStatusFile.read(runDirectory: repository.runDirectory(id))?.sessionID
            }
            asked = question
            return true
        }
        if let asked {
            Notifier(repository).send(.decision, run: id, text: "run \(id) asks: \(asked.text)")
        }
        return asked
    }

    /// Answers the run's open question. `input` is an option number, free
    /// text, or nil for the default; `next` is the state the run goes to.
    @discardableResult
    public func answer(
        _ id: RunID, input: String?, source: Answer.Source = .human, expecting number: Int? = nil,
        state next: RunState = .running, _ more: (inout RunRecord) -> Void = { _ in }
    ) throws -> (question: Question, answer: Answer, record: RunRecord) {
        var result: (Question, Answer)?
        let record = try RunStore(repository).update(id) { record in
            guard let question = record.openQuestion, number == nil || question.number == number else {
                throw Self.notWaiting(record)
            }
            let answer: Answer
            do {
                answer = Answer(question: question.number, text: try question.resolve(input), source: source)
            } catch let error as DecisionError {
                throw KanbotsError.invalidArgument("cannot answer run \(id): \(error)")
            }
            record.answer(answer, state: next)
            more(&record)
            result = (question, answer)
            return true
        }
        return (result!.0, result!.1, record)
    }

    public static func notWaiting(_ record: RunRecord) -> KanbotsError {
        .invalidArgument(
            "run \(record.id) is \(record.state.rawValue), not waiting for a decision; `git kanbots decisions` lists the open ones")
    }

    /// Every open question across runs, oldest first.
    public func open() throws -> [(record: RunRecord, question: Question)] {
        try RunIndex(repository).records().records
            .compactMap { record in record.openQuestion.map { (record, $0) } }
            .sorted { ($0.question.askedAt, $0.record.id.description) < ($1.question.askedAt, $1.record.id.description) }
    }
}
