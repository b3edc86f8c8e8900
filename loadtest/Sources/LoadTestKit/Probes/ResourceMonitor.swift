import Foundation

/// Samples the server process and the generator (whole process and its service thread)
/// between windows, so every step reports both sides' CPU and the server's memory.
final class ResourceMonitor: @unchecked Sendable {
    struct Sample: Sendable, Equatable {
        var serverRSSBytes: Int?
        var serverCPUPercent: Double?
        var generatorCPUPercent: Double
        /// The lws service thread: near 100 % means the generator, not the server, limits the run.
        var serviceThreadCPUPercent: Double?
    }

    let serverPID: Int?
    private let selfPID = Int(getpid())
    /// CPU time of the generator's service thread, in nanoseconds.
    private let serviceThreadCPU: @Sendable () -> UInt64?
    // Touched only by the runner's task, one sample at a time.
    private var lastServer: ProcessStat?
    private var lastSelf: ProcessStat?
    private var lastThreadCPU: UInt64?

    init(serverPID: Int?, serviceThreadCPU: @escaping @Sendable () -> UInt64?) {
        self.serverPID = serverPID
        self.serviceThreadCPU = serviceThreadCPU
    }

    /// Starts a new interval; the next `sample()` covers the time since.
    func mark() {
        lastServer = serverPID.flatMap { ProcessStat.read(pid: $0) }
        lastSelf = ProcessStat.read(pid: selfPID)
        lastThreadCPU = serviceThreadCPU()
    }

    func sample() -> Sample {
        let server = serverPID.flatMap { ProcessStat.read(pid: $0) }
        let me = ProcessStat.read(pid: selfPID)
        let threadCPU = serviceThreadCPU()
        var result = Sample(serverRSSBytes: server?.rssBytes, serverCPUPercent: nil, generatorCPUPercent: 0, serviceThreadCPUPercent: nil)
        if let server, let lastServer { result.serverCPUPercent = ProcessStat.cpuPercent(from: lastServer, to: server) }
        if let me, let lastSelf {
            result.generatorCPUPercent = ProcessStat.cpuPercent(from: lastSelf, to: me)
            let seconds = Double(me.takenNS &- lastSelf.takenNS) / 1e9
            if let threadCPU, let lastThreadCPU, seconds > 0 {
                result.serviceThreadCPUPercent = Double(threadCPU &- lastThreadCPU) / 1e9 / seconds * 100
            }
        }
        lastServer = server
        lastSelf = me
        lastThreadCPU = threadCPU
        return result
    }

    /// Current server RSS without touching the CPU interval.
    func serverRSS() -> Int? {
        serverPID.flatMap { ProcessStat.read(pid: $0)?.rssBytes }
    }
}
