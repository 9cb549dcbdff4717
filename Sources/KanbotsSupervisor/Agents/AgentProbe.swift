import Dispatch
import KanbotsCore
import KanbotsStore
import KanbotsSystem

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
                return AgentStatus(definition: definition, path: ProcessLauncher.supervisorExecutable,
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
        let found = versions(of: probed.map(\.path), timeout: timeout)
        for (probe, version) in zip(probed, found) { statuses[probe.index].version = version }
        for (index, path) in probed where statuses[index].version == nil {
            statuses[index].package = InstalledPackage.describe(program: path)
        }
        return statuses
    }

    /// Runs `program --version` for all the programs at once, each in its own
    /// process group, and ends the groups still running after `timeout` (an
    /// agent that starts a session instead of printing a version must not
    /// hang the listing).
    static func versions(of programs: [String], timeout: TimeInterval) -> [String?] {
        let outputs = programs.indices.map { PathName.temporaryDirectory + "/kanbots-version-\(getpid())-\($0)" }
        defer { outputs.forEach { unlink($0) } }
        let pids = zip(programs, outputs).map { program, output -> pid_t? in
            unlink(output)
            var spec = ProcessSpec(executable: program, arguments: ["--version"],
                                   environment: ProcessInfo.processInfo.environment)
            spec.standardOutput = .appending(output)
            spec.standardError = .null
            spec.newProcessGroup = true
            return try? ProcessLauncher.spawn(spec)
        }
        var statuses = [ExitStatus?](repeating: nil, count: programs.count)
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            for (index, pid) in pids.enumerated() where statuses[index] == nil {
                if let pid { statuses[index] = ExitStatus.poll(pid) }
            }
            let waiting = pids.indices.filter { pids[$0] != nil && statuses[$0] == nil }
            if waiting.isEmpty { break }
            if Date() >= deadline {
                for index in waiting {
                    kill(-pids[index]!, SIGKILL)
                    _ = ExitStatus.wait(pids[index]!)
                }
                break
            }
            sleepThread(seconds: 0.02)
        }
        return zip(statuses, outputs).map { status, output in
            guard status == .exited(0), let data = FileManager.default.contents(atPath: output) else { return nil }
            let line = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first
                .map { $0.trimmingSpaces() }
            return line?.isEmpty == false ? String(line!.prefix(120)) : nil
        }
    }
}
