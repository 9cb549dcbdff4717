import KanbotsCore
import KanbotsSystem

/// Fetch and push through the `git` program.
///
/// Why not libgit2's remotes: talking to a remote needs the user's whole
/// transport setup (ssh keys and agents, credential helpers, `insteadOf`
/// URL rewrites, proxies, `core.sshCommand`), which `git` already honours and
/// libgit2 would need us to re-implement callback by callback. Only the
/// transfer goes through `git`; every local ref write (the merging) is ours,
/// a compare-and-swap through libgit2.
public struct GitTransport: Sendable {
    let workingDirectory: String
    let scratchDirectory: String

    /// One pushed ref as `git push --porcelain` reported it.
    public struct PushedRef: Sendable, Equatable {
        public var ref: String
        public var accepted: Bool
        public var summary: String
    }

    /// `git fetch --no-tags REMOTE REFSPEC...` (forced refspecs into our
    /// remote-tracking namespace; nothing else is touched).
    func fetch(remote: String, refspecs: [String]) throws {
        let result = try run(["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", remote] + refspecs)
        guard result.status == 0 else {
            throw KanbotsError.io("git fetch \(remote) failed: \(result.errorSummary)")
        }
    }

    /// `git push --porcelain REMOTE SHA:REF...`: never forced, so the remote
    /// only accepts fast-forwards (a push is a compare-and-swap there too).
    /// The pre-push hook runs as for any push.
    func push(remote: String, updates: [(ref: String, to: String)]) throws -> [PushedRef] {
        var pushed: [PushedRef] = []
        // Chunks keep the command line far below the system's limit.
        for start in stride(from: 0, to: updates.count, by: 1000) {
            let chunk = updates[start..<min(start + 1000, updates.count)]
            let result = try run(["push", "--porcelain", remote] + chunk.map { "\($0.to):\($0.ref)" })
            let reported = Self.parsePorcelain(result.output)
            if result.status != 0, reported.isEmpty {
                throw KanbotsError.io("git push \(remote) failed: \(result.errorSummary)")
            }
            pushed += reported
        }
        return pushed
    }

    /// Lines `<flag>\t<from>:<to>\t<summary>`; flag `!` is a rejection.
    static func parsePorcelain(_ output: String) -> [PushedRef] {
        output.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard parts.count >= 3, let flag = parts[0].first, let colon = parts[1].lastIndex(of: ":") else { return nil }
            return PushedRef(ref: String(parts[1][parts[1].index(after: colon)...]), accepted: flag != "!",
                             summary: String(parts[2]))
        }
    }

    struct Result {
        var status: Int32
        var output: String
        var error: String
        var errorSummary: String {
            let lines = error.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
            return lines.suffix(3).joined(separator: "; ")
        }
    }

    /// The `git` program on PATH, found once (no `/usr/bin/env` hop per run).
    static let gitPath: String = {
        let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return folders.map { "\($0)/git" }.first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/git"
    }()

    /// Runs git with output in files (no pipe can fill up and stall it).
    func run(_ arguments: [String]) throws -> Result {
        let id = UUID().uuidString
        let outPath = scratchDirectory + "/git-\(id).out", errPath = scratchDirectory + "/git-\(id).err"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        var spec = ProcessSpec(
            executable: Self.gitPath, arguments: ["-C", workingDirectory] + arguments,
            environment: ProcessInfo.processInfo.environment)
        spec.standardOutput = .appending(outPath)
        spec.standardError = .appending(errPath)
        let pid: pid_t
        do {
            pid = try ProcessLauncher.spawn(spec)
        } catch {
            throw KanbotsError.io("cannot run git (\(error)); sync needs the git program on PATH")
        }
        let status: Int32
        switch ExitStatus.wait(pid) {
        case .exited(let code): status = code
        case .signaled(let signal): status = 128 + signal
        }
        let read = { (path: String) in String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self) }
        return Result(status: status, output: read(outPath), error: read(errPath))
    }
}
