import Foundation
import KanbotsCore
import KanbotsStore
import KanbotsReview
import KanbotsSystem

/// A run in `board --json` or `status --json`: its fields, or for a settled
/// run the text rendered once and kept in the run snapshot, keyed by its
/// ref's tip (a settled run's JSON depends on nothing else).
public enum RunJSONEntry: Encodable {
    /// Boxed, so an entry of a settled run stays a few words, not the size
    /// of a run's every field (ten thousand of them are made and copied).
    indirect case fields(RunJSON)
    /// `RunJSON` as `JSONOutput` writes it at `renderedDepth`.
    case rendered(RunSnapshot.Blob)

    /// Kept at the depth of `board --json`'s runs, so the board copies it as is.
    static let renderedDepth = 2

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .fields(let fields): try fields.encode(to: encoder)
        case .rendered:
            // Only `JSONOutput` (which copies the text) writes board and status JSON.
            throw EncodingError.invalidValue(self, .init(codingPath: encoder.codingPath, debugDescription: "pre-rendered JSON is written by JSONOutput only"))
        }
    }
}

/// Turns the board's runs into JSON entries, rendering settled runs the
/// snapshot has no text for (kept for next time once the caller saves the
/// snapshot: `BoardLoader.Snapshot.saveCache`).
public struct RunJSONRenderer {
    let repository: KanbotsRepository
    let snapshot: BoardLoader.Snapshot
    /// Renderings are valid for one clone (`origin.this_clone`) and one
    /// build of the renderer: a new binary renders afresh.
    let tag: String
    /// One loader for every run rendered (it reads the clone's tag once).
    let loader: BoardLoader

    public init(_ repository: KanbotsRepository, snapshot: BoardLoader.Snapshot) {
        self.repository = repository
        self.snapshot = snapshot
        loader = BoardLoader(repository)
        var info = stat()
        let executable = stat(ProcessLauncher.kanbotsExecutable, &info) == 0
            ? "\(info.st_size)-\(info.st_ino)-\(Self.modified(info))" : "unknown"
        tag = "run-json-1 \(loader.cloneTag?.value ?? "-") \(executable)"
    }

    /// Runs with a verdict (`BoardReadiness`) carry it; settled runs never
    /// have one (no branch), so their kept text stays valid.
    public func entries(_ runs: [BoardRun], readiness: [RunID: Readiness] = [:]) throws -> [RunJSONEntry] {
        try runs.map { run in
            switch run {
            case .view(let view):
                var json = RunJSON(view)
                json.readiness = readiness[view.record.id].map(ReadinessJSON.init)
                return .fields(json)
            case .settled(let settled):
                // JSONEncoder cannot splice kept text: it encodes every run.
                if FoundationJSON.isSelected { return .fields(RunJSON(try loader.view(of: .settled(settled), in: snapshot))) }
                return .rendered(try rendered(settled))
            }
        }
    }

    private func rendered(_ run: SettledRun) throws -> RunSnapshot.Blob {
        let ref = KanbotsRepository.runsRefPrefix + run.id.description
        guard let cache = snapshot.cache else { throw KanbotsError.io("the board was loaded without its run snapshot") }
        if let text = cache.rendered(ref: ref, tag: tag) { return text }
        let text = try JSONOutput.encode(
            RunJSON(loader.view(of: .settled(run), in: snapshot)), depth: RunJSONEntry.renderedDepth)
        cache.setRendered(text, ref: ref, tag: tag)
        return .owned(text)
    }

    private static func modified(_ info: stat) -> String {
        #if os(Linux)
        "\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
        #else
        "\(info.st_mtimespec.tv_sec).\(info.st_mtimespec.tv_nsec)"
        #endif
    }
}
