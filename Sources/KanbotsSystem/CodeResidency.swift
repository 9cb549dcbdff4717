/// Lets a long-lived process give back the code pages it no longer runs.
///
/// Why: Linux maps up to 64 KB of a file around every page fault, so a phase
/// that runs a little code spread over a 10 MB program and its libraries
/// leaves most of them resident, which is what `ps` shows for each of fifty
/// supervisors. Between phases (start-up, following the agent, finishing)
/// the supervisor drops the pages of its code mappings: they are clean copies
/// of files in the page cache, faulted back in a microsecond when used, so
/// what stays resident is what the current phase runs.
public enum CodeResidency {
    /// Drops the resident pages of clean, executable file mappings. Linux
    /// only; elsewhere nothing changes.
    public static func release() {
        #if os(Linux)
        // Read to the end, not by the size /proc reports (zero).
        guard let data = OpenFile("/proc/self/smaps", .reading)?.readToEnd() else { return }
        var mapping: (start: UInt, end: UInt, isCode: Bool)?
        var dirty = 0
        func drop() {
            // Never a page that was written (relocated data, a text
            // relocation): dropping it would lose the write.
            guard let mapping, mapping.isCode, dirty == 0 else { return }
            _ = madvise(UnsafeMutableRawPointer(bitPattern: mapping.start), Int(mapping.end - mapping.start), MADV_DONTNEED)
        }
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count >= 5, let dash = fields[0].firstIndex(of: "-"),
               let start = UInt(fields[0][..<dash], radix: 16),
               let end = UInt(fields[0][fields[0].index(after: dash)...], radix: 16) {
                drop()
                let isFile = fields.count >= 6 && fields[5].hasPrefix("/")
                mapping = (start, end, fields[1].hasPrefix("r-x") && isFile)
                dirty = 0
            } else if fields.first == "Private_Dirty:", fields.count >= 2 {
                dirty = Int(fields[1]) ?? 1
            }
        }
        drop()
        #endif
    }
}
