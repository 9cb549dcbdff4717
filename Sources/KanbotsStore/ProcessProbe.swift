import KanbotsCore

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
