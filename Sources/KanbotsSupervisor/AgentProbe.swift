import Foundation
import KanbotsStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `git kanbots agents` says about one agent: whether its program is
/// there and which version answers.
public struct AgentStatus: Sendable {
    public var definition: AgentDefinition
    /// The program's full path, nil when not found.
    public var path: String?
    /// The first line `--version` printed, nil when it printed nothing,
    /// failed or took longer than the probe's timeout.
    public var version: String?
    /// When `--version` said nothing: the package the program was installed
    /// from, `NAME VERSION (PyPI)` or `(npm)`; nil when that is unknown too.
    public var package: String?
    /// Why the agent cannot run, with the fix; nil when it can.
    public var problem: String?
}

public enum AgentProbe {
    /// Finds each agent and asks it `--version`, all at once, a few seconds
    /// at most: an agent that starts a session instead is not waited for.
    public static func statuses(of definitions: [AgentDefinition], settings: Settings,
                                timeout: TimeInterval = 5) -> [AgentStatus] {
        // Located here, on this thread: the config is read through libgit2,
        // whose handles are not shared between threads.
        var statuses = definitions.map { definition -> AgentStatus in
            guard definition.program != nil else {
                return AgentStatus(definition: definition, path: ProcessLauncher.currentExecutable,
                                   version: "built in", package: nil, problem: nil)
            }
            do {
                let path = try AgentCatalog.locate(definition.name, settings: settings)
                return AgentStatus(definition: definition, path: path, version: nil, package: nil, problem: nil)
            } catch {
                return AgentStatus(definition: definition, path: nil, version: nil, package: nil, problem: "\(error)")
            }
        }
        let probed = statuses.indices.compactMap { index -> (index: Int, path: String)? in
            guard statuses[index].definition.program != nil, let path = statuses[index].path else { return nil }
            return (index, path)
        }
        let versions = VersionBox(count: statuses.count)
        // One thread each, not a pool sized to the cores: a probe mostly waits.
        let done = DispatchGroup()
        for (index, path) in probed {
            done.enter()
            Thread {
                versions.set(index, version(of: path, timeout: timeout))
                done.leave()
            }.start()
        }
        done.wait()
        for (index, path) in probed {
            statuses[index].version = versions.value(index)
            if statuses[index].version == nil { statuses[index].package = InstalledPackage.describe(program: path) }
        }
        return statuses
    }

    /// The versions the probes found, written from several threads.
    private final class VersionBox: @unchecked Sendable {
        private var values: [String?]
        private let lock = NSLock()
        init(count: Int) { values = Array(repeating: nil, count: count) }
        func set(_ index: Int, _ value: String?) { lock.withLock { values[index] = value } }
        func value(_ index: Int) -> String? { lock.withLock { values[index] } }
    }

    /// Runs `program --version` in its own process group, ending the group
    /// when it takes longer than `timeout` (an agent that starts a session
    /// instead of printing a version must not hang the listing).
    static func version(of program: String, timeout: TimeInterval) -> String? {
        let output = NSTemporaryDirectory() + "kanbots-version-\(getpid())-\(UUID().uuidString)"
        defer { unlink(output) }
        var spec = ProcessSpec(executable: program, arguments: ["--version"],
                               environment: ProcessInfo.processInfo.environment)
        spec.standardOutput = .appending(output)
        spec.standardError = .null
        spec.newProcessGroup = true
        guard let pid = try? ProcessLauncher.spawn(spec) else { return nil }
        let deadline = Date().addingTimeInterval(timeout)
        var status = ExitStatus.poll(pid)
        while status == nil, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.02)
            status = ExitStatus.poll(pid)
        }
        if status == nil {
            kill(-pid, SIGKILL)
            _ = ExitStatus.wait(pid)
            return nil
        }
        guard status == .exited(0), let data = FileManager.default.contents(atPath: output) else { return nil }
        let line = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first
            .map { $0.trimmingCharacters(in: .whitespaces) }
        return line?.isEmpty == false ? String(line!.prefix(120)) : nil
    }
}
