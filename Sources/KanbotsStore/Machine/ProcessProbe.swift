import KanbotsCore
import KanbotsSystem

public enum ProcessProbe {
    /// Whether any process of the group `pgid` leads is still alive.
    ///
    /// `kill(-pgid, 0)` also succeeds for zombies, which an init that never
    /// reaps keeps forever; on Linux the process table is read so a group
    /// made only of zombies counts as dead.
    public static func isGroupAlive(_ pgid: Int32) -> Bool {
        guard pgid > 1 else { return false }
        guard kill(-pgid, 0) == 0 || errno == EPERM else { return false }
        #if os(Linux)
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return true }
        for entry in entries where entry.first?.isNumber == true {
            guard let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            // After "pid (comm) ": state, ppid, pgrp, ...
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, Int32(fields[2]) == pgid else { continue }
            if fields[0] != "Z" && fields[0] != "X" { return true }
        }
        return false
        #else
        return true
        #endif
    }
}

extension ProcessProbe {
    /// Ends, with SIGKILL, every process group holding a process whose
    /// environment has `entry` (`NAME=value`): how the checks of a run whose
    /// supervisor was killed are found and ended, whatever pids they have
    /// now (a recorded pid could have been reused by then). Linux only,
    /// since it reads /proc; elsewhere nothing happens.
    /// - Returns: how many groups were ended.
    @discardableResult
    public static func endGroups(markedWith entry: String) -> Int {
        #if os(Linux)
        let marker = Array(entry.utf8)
        let own = getpgrp()
        var groups = Set<pid_t>()
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            // Read to the end, not by the size /proc reports (zero).
            guard let pid = pid_t(name), let environment = OpenFile("/proc/\(name)/environ", .reading)?.readToEnd(),
                  environment.split(separator: 0).contains(where: { $0.elementsEqual(marker) }) else { continue }
            let group = getpgid(pid)
            if group > 1, group != own { groups.insert(group) }
        }
        for group in groups { kill(-group, SIGKILL) }
        return groups.count
        #else
        return 0
        #endif
    }
}
