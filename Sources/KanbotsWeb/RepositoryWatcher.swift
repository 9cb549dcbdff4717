import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Notices changes to the git state by polling cheap `stat` calls: a ref is
/// updated by renaming a lock file into place, which changes its folder's
/// modification time; packed refs and the notes ref are files; live status
/// files are renamed into their run's folder; transcripts grow. Portable,
/// and it sees a change whatever made it (the page, the CLI, a supervisor,
/// a `sync`), with no cooperation from the writers.
final class RepositoryWatcher: @unchecked Sendable {
    let commonDirectory: String
    let stateDirectory: String

    init(commonDirectory: String, stateDirectory: String) {
        self.commonDirectory = commonDirectory
        self.stateDirectory = stateDirectory
    }

    /// Polls until the task is cancelled, calling `notify` for each change.
    func watch(every interval: Duration, notify: @Sendable (ServerEvent) -> Void) async {
        var last = snapshot()
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            let now = snapshot()
            for event in Self.changes(from: last, to: now) { notify(event) }
            last = now
        }
    }

    struct Snapshot: Equatable {
        /// Folders of refs and the files git keeps refs in, by path.
        var refs: [String: Stamp] = [:]
        /// Each run's live folder (status file renamed in) and its transcript.
        var runFolders: [String: Stamp] = [:]
        var transcripts: [String: Stamp] = [:]
        var sessions: [String: Stamp] = [:]
    }

    struct Stamp: Equatable {
        var seconds: Int
        var nanoseconds: Int
        var size: Int64
    }

    static func changes(from old: Snapshot, to new: Snapshot) -> [ServerEvent] {
        var events: [ServerEvent] = []
        if old.refs != new.refs || old.runFolders != new.runFolders || old.sessions != new.sessions {
            events.append(ServerEvent(name: "board"))
        }
        for (run, stamp) in new.transcripts where old.transcripts[run] != stamp {
            events.append(ServerEvent(name: "thread", run: run))
        }
        return events
    }

    func snapshot() -> Snapshot {
        var snapshot = Snapshot()
        for file in ["packed-refs", "refs/notes/kanbots", "HEAD"] {
            snapshot.refs[file] = Self.stamp(commonDirectory + "/" + file)
        }
        for folder in ["refs/kanbots", "refs/heads", "refs/notes", "refs/kanbots-remotes"] {
            collectFolders(commonDirectory + "/" + folder, into: &snapshot.refs)
        }
        let runs = stateDirectory + "/runs"
        for id in Self.entries(runs) {
            let folder = runs + "/" + id
            snapshot.runFolders[id] = Self.stamp(folder)
            if let transcript = Self.stamp(folder + "/transcript.ndjson") { snapshot.transcripts[id] = transcript }
        }
        let sessions = stateDirectory + "/sessions"
        for id in Self.entries(sessions) {
            snapshot.sessions[id] = Self.stamp(sessions + "/" + id + "/status.json")
        }
        return snapshot
    }

    /// Each folder's subfolders, listed again only when the folder's own
    /// stamp changes (an entry was added or removed): with 1,000 run refs in
    /// one folder, a look costs a `stat` per folder, not per ref.
    private var subfolders: [String: (stamp: Stamp, names: [String])] = [:]

    /// Every folder below `path` (refs nest: refs/heads/kanbots/issue-…).
    private func collectFolders(_ path: String, into stamps: inout [String: Stamp]) {
        guard let stamp = Self.stamp(path) else { return }
        stamps[path] = stamp
        let names: [String]
        if let known = subfolders[path], known.stamp == stamp {
            names = known.names
        } else {
            names = Self.entries(path).filter { Self.isFolder(path + "/" + $0) }
            subfolders[path] = (stamp, names)
        }
        for name in names { collectFolders(path + "/" + name, into: &stamps) }
    }

    static func stamp(_ path: String) -> Stamp? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        #if canImport(Darwin)
        let time = info.st_mtimespec
        #else
        let time = info.st_mtim
        #endif
        return Stamp(seconds: Int(time.tv_sec), nanoseconds: Int(time.tv_nsec), size: Int64(info.st_size))
    }

    static func isFolder(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    static func entries(_ path: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    }
}
