import KanbotsCore
import KanbotsSystem

/// What this process has used so far: the supervisor writes it to its log
/// when it ends, which is how the benchmarks read a supervisor's cost.
public struct ResourceUsage: Sendable, CustomStringConvertible {
    public var cpuSeconds: Double
    public var peakResidentBytes: Int

    public static func current() -> ResourceUsage {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        let cpu = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        #if os(Linux)
        // Not ru_maxrss: it keeps the high-water mark from before exec, and a
        // process started with posix_spawn (vfork) would report its parent's.
        let peak = residentHighWaterMark() ?? Int(usage.ru_maxrss) * 1024  // kilobytes on Linux
        #else
        let peak = Int(usage.ru_maxrss)  // bytes on macOS
        #endif
        return ResourceUsage(cpuSeconds: cpu, peakResidentBytes: peak)
    }

    #if os(Linux)
    /// `VmHWM` of /proc/self/status: the peak resident size of this program's
    /// own address space, in bytes.
    static func residentHighWaterMark() -> Int? {
        // Read to the end, not by the size /proc reports (zero).
        guard let data = OpenFile("/proc/self/status", .reading)?.readToEnd(),
              case let status = String(decoding: data, as: UTF8.self),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Int(line.dropFirst(6).trimmed().split(separator: " ").first ?? "") else { return nil }
        return kilobytes * 1024
    }
    #endif

    public var description: String {
        String(printf: "cpu_seconds=%.3f peak_rss_bytes=%ld", cpuSeconds, peakResidentBytes)
    }
}
