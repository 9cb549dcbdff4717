import KanbotsCore
import KanbotsGit

/// Personas shared in git: `refs/kanbots/personas`, one commit per change,
/// its tree holding `<name>.md` (the prompt snippet). Shared like cards and
/// runs (it is under refs/kanbots/). What an agent gets for a name: the
/// clone's own `git config kanbots.persona.<name>` if set, else the shared
/// one, else the built-in one.
public final class PersonaStore {
    let repository: KanbotsRepository
    var git: Repository { repository.git }

    public static let ref = "refs/kanbots/personas"

    public init(_ repository: KanbotsRepository) { self.repository = repository }

    var chain: RecordChain { RecordChain(git: git, ref: Self.ref) }

    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && name.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" }
    }

    /// Shared personas by name.
    public func shared() throws -> [String: String] {
        guard let tip = try git.referenceTarget(Self.ref) else { return [:] }
        var result: [String: String] = [:]
        for (file, blob) in try git.treeEntries(try git.commit(tip).tree) where file.hasSuffix(".md") {
            result[String(file.dropLast(3))] = String(decoding: try git.readBlob(blob), as: UTF8.self)
        }
        return result
    }

    /// The text an agent gets for `name`, or nil when no persona has that name.
    public func text(for name: String) -> String? {
        if let configured = Settings(repository).string("kanbots.persona.\(name)") { return configured }
        if let shared = try? shared()[name] { return shared }
        return Prompt.builtInPersonas[name]
    }

    /// Every persona this clone knows, sorted: built in, shared (a text or
    /// only an agent and model), or this clone's own (`kanbots.persona.<name>`
    /// or its `.agent`/`.model`).
    public func names() -> [String] {
        var names = Set(Prompt.builtInPersonas.keys)
        names.formUnion((try? shared().keys).map(Array.init) ?? [])
        names.formUnion((try? sharedChoices().keys).map(Array.init) ?? [])
        let prefix = "kanbots.persona."
        for entry in Settings(repository).entries(prefix: prefix) {
            var name = Substring(entry.key.dropFirst(prefix.count))
            for suffix in [".agent", ".model"] where name.hasSuffix(suffix) { name = name.dropLast(suffix.count) }
            if Self.isValidName(String(name)) { names.insert(String(name)) }
        }
        return names.sorted()
    }

    /// Whether `name` is a persona: one with a text, or one that names only
    /// an agent or a model (its runs get the default persona's text).
    public func exists(_ name: String) -> Bool {
        text(for: name) != nil || !agentChoice(for: name).isEmpty
    }

    /// Where `name` is defined: `config` (this clone), `shared` or `built-in`.
    public func origin(of name: String) -> String {
        let settings = Settings(repository)
        if ["", ".agent", ".model"].contains(where: { settings.string("kanbots.persona.\(name)\($0)") != nil }) {
            return "config"
        }
        if (try? shared()[name]) != nil || (try? sharedChoices()[name]) != nil { return "shared" }
        return "built-in"
    }

    /// The agent and model a persona asks for: the clone's own
    /// `kanbots.persona.<name>.agent`/`.model`, else the shared
    /// `<name>.agent` file (`Agent:`/`Model:` lines), else nothing.
    public func agentChoice(for name: String) -> AgentChoice {
        let settings = Settings(repository)
        let configured = AgentChoice(agent: settings.string("kanbots.persona.\(name).agent"),
                                     model: settings.string("kanbots.persona.\(name).model"))
        if !configured.isEmpty { return configured }
        return (try? sharedChoices()[name]) ?? AgentChoice()
    }

    /// Shared agent choices by persona name.
    public func sharedChoices() throws -> [String: AgentChoice] {
        guard let tip = try git.referenceTarget(Self.ref) else { return [:] }
        var result: [String: AgentChoice] = [:]
        for (file, blob) in try git.treeEntries(try git.commit(tip).tree) where file.hasSuffix(Self.choiceSuffix) {
            let text = String(decoding: try git.readBlob(blob), as: UTF8.self)
            let fields = TrailerMessage(parsing: "persona\n\n" + text)
            result[String(file.dropLast(Self.choiceSuffix.count))] = AgentChoice(agent: fields?["Agent"], model: fields?["Model"])
        }
        return result
    }

    static let choiceSuffix = ".agent"

    /// Shares the agent and model a persona asks for (both nil: none).
    public func setAgentChoice(_ name: String, _ choice: AgentChoice) throws {
        guard Self.isValidName(name) else {
            throw KanbotsError.invalidArgument("persona names use letters, digits and '-', not '\(name)'")
        }
        var lines: [String] = []
        if let agent = choice.agent { lines.append("Agent: \(agent)") }
        if let model = choice.model { lines.append("Model: \(model)") }
        let data = lines.isEmpty ? nil : Data((lines.joined(separator: "\n") + "\n").utf8)
        try write(name, subject: "persona \(name): agent \(choice.agent ?? "any") model \(choice.model ?? "any")",
                  files: [name + Self.choiceSuffix: data], mustExist: nil)
    }

    /// Adds or replaces a shared persona (text nil removes it).
    public func set(_ name: String, text: String?) throws {
        guard Self.isValidName(name) else {
            throw KanbotsError.invalidArgument("persona names use letters, digits and '-', not '\(name)'")
        }
        let file = name + ".md"
        let subject = text == nil ? "persona \(name): removed" : "persona \(name): set"
        var files = [file: text.map { Data($0.utf8) }]
        if text == nil { files[name + Self.choiceSuffix] = .some(nil) }
        try write(name, subject: subject, files: files, mustExist: text == nil ? file : nil)
    }

    /// One commit on the personas ref changing `files` (nil content removes).
    private func write(_ name: String, subject: String, files: [String: Data?], mustExist: String?) throws {
        let message = TrailerMessage(subject: subject, fields: [("Persona", name)]).text
        let signature = git.defaultSignature()
        if try git.referenceTarget(Self.ref) == nil {
            guard mustExist == nil else { throw KanbotsError.invalidArgument("no shared persona named '\(name)'") }
            do {
                try chain.create(message: message, files: files.compactMapValues { $0 }, signature: signature)
                return
            } catch let error as GitError where error.isContention {
                // Someone created the ref meanwhile: update it instead.
            }
        }
        try chain.update(signature: signature) { _, existing in
            if let mustExist, existing[mustExist] == nil {
                throw KanbotsError.invalidArgument("no shared persona named '\(name)'")
            }
            return (message, files)
        }
    }
}
