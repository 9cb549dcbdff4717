import Foundation
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

    /// Adds or replaces a shared persona (text nil removes it).
    public func set(_ name: String, text: String?) throws {
        guard Self.isValidName(name) else {
            throw KanbotsError.invalidArgument("persona names use letters, digits and '-', not '\(name)'")
        }
        let file = name + ".md"
        let subject = text == nil ? "persona \(name): removed" : "persona \(name): set"
        let message = TrailerMessage(subject: subject, fields: [("Persona", name)]).text
        let signature = git.defaultSignature()
        if try git.referenceTarget(Self.ref) == nil {
            guard let text else { throw KanbotsError.invalidArgument("no shared persona named '\(name)'") }
            do {
                try chain.create(message: message, files: [file: Data(text.utf8)], signature: signature)
                return
            } catch let error as GitError where error.isContention {
                // Someone created the ref meanwhile: update it instead.
            }
        }
        try chain.update(signature: signature) { _, files in
            if text == nil, files[file] == nil { throw KanbotsError.invalidArgument("no shared persona named '\(name)'") }
            return (message, [file: text.map { Data($0.utf8) }])
        }
    }
}
