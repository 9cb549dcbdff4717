import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The processes of a run (a supervisor and the agent's process group), found
/// from its record and checked before any signal is sent: a pid in a record
/// may have been reused, so we only ever signal processes that are provably
/// this sandbox's.
extension Sandbox {
    struct RunPIDs {
        var supervisor: Int32
        var agent: Int32
    }

    /// The pids the run's record names; throws while it has none yet.
    func pids(_ id: String) throws -> RunPIDs {
        let record = try record(id)
        guard let supervisor = record["Supervisor-PID"].flatMap({ Int32($0) }),
              let agent = record["Agent-PID"].flatMap({ Int32($0) }) else {
            throw TestFailure("record of \(id) has no Supervisor-PID/Agent-PID yet: \(record.fields)")
        }
        return RunPIDs(supervisor: supervisor, agent: agent)
    }

    /// Waits until the run is recorded running with its pids.
    func waitUntilRunning(_ id: String, timeout: TimeInterval = 20) throws -> RunPIDs {
        let running = ProcessProbe.waitUntil(timeout: timeout, interval: 0.05) {
            (try? record(id))?["State"] == "running" && (try? pids(id)) != nil
        }
        guard running else { throw TestFailure("run \(id) not running after \(Int(timeout))s: \(try record(id).fields)") }
        return try pids(id)
    }

    /// Whether `pid` is a live `kanbots-supervisor run ID` of this sandbox.
    func isSupervisor(_ pid: Int32, of id: String) -> Bool {
        guard ProcessProbe.isAlive(pid), let line = ProcessProbe.commandLine(pid) else { return false }
        return line.contains("kanbots-supervisor run \(id) ") && line.contains(repo)
    }

    /// Whether `pid` is a live agent started for run `id` of this sandbox.
    func isAgent(_ pid: Int32, of id: String) -> Bool {
        guard ProcessProbe.isAlive(pid), let environment = ProcessProbe.environment(pid) else { return false }
        return environment.contains("KANBOTS_RUN_ID=\(id)") && environment.contains { $0.hasPrefix("KANBOTS_WORKTREE=\(repo)/") }
    }

    /// Whether some live process is `kanbots-supervisor run ID` for this sandbox
    /// (whatever the record says).
    func hasSupervisorProcess(_ id: String) -> Bool {
        #if !os(Linux)
        return true  // no /proc to look in
        #endif
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.contains { isSupervisor($0, of: id) }
    }

    /// SIGKILLs the supervisor, if it is this run's.
    func killSupervisor(of id: String, _ pids: RunPIDs) throws {
        guard isSupervisor(pids.supervisor, of: id) else {
            throw TestFailure("pid \(pids.supervisor) is not the supervisor of \(id): \(ProcessProbe.commandLine(pids.supervisor) ?? "gone")")
        }
        kill(pids.supervisor, SIGKILL)
        guard ProcessProbe.waitUntil(timeout: 5, { !ProcessProbe.isAlive(pids.supervisor) }) else {
            throw TestFailure("supervisor \(pids.supervisor) survived SIGKILL")
        }
    }

    /// SIGKILLs the agent's process group, if it is this run's.
    func killAgentGroup(of id: String, _ pids: RunPIDs) throws {
        guard isAgent(pids.agent, of: id) else { throw TestFailure("pid \(pids.agent) is not the agent of \(id)") }
        kill(-pids.agent, SIGKILL)
        guard ProcessProbe.waitUntil(timeout: 5, { !ProcessProbe.isGroupAlive(pids.agent) }) else {
            throw TestFailure("agent group \(pids.agent) survived SIGKILL")
        }
    }

    /// Kills whatever of this sandbox's runs still runs (a stuck supervisor,
    /// an orphaned agent), so a failing test leaves no process behind.
    func killLeftoverProcesses() {
        for id in (try? runRefs()) ?? [] {
            for version in (try? history(id)) ?? [] {
                if let pid = version["Supervisor-PID"].flatMap({ Int32($0) }), isSupervisor(pid, of: id) {
                    kill(pid, SIGKILL)
                }
                if let pid = version["Agent-PID"].flatMap({ Int32($0) }), isAgent(pid, of: id) {
                    kill(-pid, SIGKILL)
                }
            }
        }
    }
}

extension ProcessProbe {
    /// The environment of `pid` (Linux only; nil elsewhere).
    static func environment(_ pid: Int32) -> [String]? {
        #if os(Linux)
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return nil }
        return data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        #else
        return nil
        #endif
    }
}
