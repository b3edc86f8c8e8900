/// Folds one-second windows and resource samples into one `StepResult`.
struct StepAggregate {
    let label: String
    let offeredRate: Double
    private(set) var window: EngineWindow?
    private var serverCPU: [Double] = []
    private var generatorCPU: [Double] = []
    private var threadCPU: [Double] = []
    private var serverRSS: Int?

    init(label: String, offeredRate: Double) {
        self.label = label
        self.offeredRate = offeredRate
    }

    mutating func add(_ next: EngineWindow, _ resources: ResourceMonitor.Sample) {
        if window == nil { window = next } else { window?.add(next) }
        if let cpu = resources.serverCPUPercent { serverCPU.append(cpu) }
        generatorCPU.append(resources.generatorCPUPercent)
        if let cpu = resources.serviceThreadCPUPercent { threadCPU.append(cpu) }
        if let rss = resources.serverRSSBytes { serverRSS = max(serverRSS ?? 0, rss) }
    }

    func result() -> StepResult {
        let window = window ?? EngineWindow(startNS: 0)
        let seconds = max(window.seconds, 0.001)
        let counters = window.counters
        func perSecond(_ value: Int) -> Double { Double(value) / seconds }
        func mean(_ values: [Double]) -> Double? { values.isEmpty ? nil : values.reduce(0, +) / Double(values.count) }
        return StepResult(
            label: label, offeredRate: offeredRate, seconds: seconds,
            sentPerSecond: perSecond(counters.sent), ackedPerSecond: perSecond(counters.acked),
            deliveriesPerSecond: perSecond(counters.deliveries), expectedDeliveriesPerSecond: perSecond(counters.expectedDeliveries),
            latency: LatencySummary(window.latency), ackLatency: LatencySummary(window.ackLatency),
            gaps: counters.gaps, duplicates: counters.duplicates, errors: counters.errors.values.reduce(0, +),
            unexpectedCloses: counters.unexpectedCloses, lateSends: counters.lateSends,
            serverCPUPercent: mean(serverCPU), serverRSSBytes: serverRSS,
            generatorCPUPercent: mean(generatorCPU) ?? 0, serviceThreadCPUPercent: mean(threadCPU),
            passed: nil, failure: nil)
    }
}
