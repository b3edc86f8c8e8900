import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One reading of a process (or thread) from /proc: resident memory and CPU time.
struct ProcessStat: Sendable, Equatable {
    var rssBytes: Int
    /// utime + stime, in clock ticks.
    var cpuTicks: Int
    var takenNS: UInt64

    static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    /// Reads `/proc/<pid>/status` (VmRSS) and `/proc/<pid>/stat` (utime, stime).
    static func read(pid: Int) -> ProcessStat? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let ticks = cpuTicks(statLine: stat)
        else { return nil }
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        return ProcessStat(rssBytes: vmRSS(status: status) ?? 0, cpuTicks: ticks, takenNS: MonotonicClock.nanoseconds())
    }

    /// Fields 14 and 15 (utime, stime) of a stat line; the command name in parentheses may hold spaces.
    static func cpuTicks(statLine: String) -> Int? {
        guard let close = statLine.lastIndex(of: ")") else { return nil }
        let fields = statLine[statLine.index(after: close)...].split(separator: " ")
        // After ")": field 3 (state) is index 0, so utime (14) is index 11 and stime (15) index 12.
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
        return user + system
    }

    /// `VmRSS:   123456 kB` in bytes.
    static func vmRSS(status: String) -> Int? {
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count >= 2, let kib = Int(parts[1]) else { return nil }
            return kib * 1024
        }
        return nil
    }

    /// Open file descriptors (entries of `/proc/<pid>/fd`; needs the same user as the process).
    static func openFiles(pid: Int) -> Int? {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd"))?.count
    }

    /// CPU use between two readings, in percent of one core.
    static func cpuPercent(from earlier: ProcessStat, to later: ProcessStat) -> Double {
        let seconds = Double(later.takenNS &- earlier.takenNS) / 1e9
        guard seconds > 0 else { return 0 }
        return Double(later.cpuTicks - earlier.cpuTicks) / ticksPerSecond / seconds * 100
    }
}
