#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
        let peak = Int(usage.ru_maxrss) * 1024  // kilobytes on Linux
        #else
        let peak = Int(usage.ru_maxrss)  // bytes on macOS
        #endif
        return ResourceUsage(cpuSeconds: cpu, peakResidentBytes: peak)
    }

    public var description: String {
        String(printf: "cpu_seconds=%.3f peak_rss_bytes=%ld", cpuSeconds, peakResidentBytes)
    }
}
