import Foundation

/// The live status line on stderr: rewritten in place on a terminal, one line per update otherwise.
struct ProgressLine: Sendable {
    let enabled: Bool
    private let isTerminal = isatty(STDERR_FILENO) != 0

    init(enabled: Bool) {
        self.enabled = enabled
    }

    func show(_ line: String) {
        guard enabled else { return }
        let text = isTerminal ? "\r\u{1B}[K" + line : line + "\n"
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Ends the in-place line so later output starts on a fresh one.
    func finish() {
        guard enabled, isTerminal else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }

    /// One status line from a one-second window and the resource sample taken with it.
    static func format(phase: String, elapsed: Double, window: EngineWindow, resources: ResourceMonitor.Sample) -> String {
        let seconds = max(window.seconds, 0.001)
        let counters = window.counters
        let gauges = window.gauges
        var parts = [
            "[\(phase) \(Int(elapsed))s]",
            "conn \(gauges.ready)/\(gauges.clients)" + (gauges.connecting > 0 ? " (+\(gauges.connecting))" : ""),
            "sent \(rate(Double(counters.sent) / seconds))/s",
            "deliv \(rate(Double(counters.deliveries) / seconds))/s",
        ]
        if window.latency.totalCount > 0 {
            let summary = LatencySummary(window.latency)
            parts.append(String(format: "p50 %.2fms p99 %.2fms", summary.p50, summary.p99))
        }
        parts.append("gaps \(counters.gaps) dup \(counters.duplicates)")
        let errors = counters.errors.values.reduce(0, +)
        if errors > 0 { parts.append("err \(errors)") }
        if gauges.recovering > 0 { parts.append("recovering \(gauges.recovering)") }
        if gauges.pendingSetup > 0 { parts.append("setup \(gauges.pendingSetup)") }
        if let cpu = resources.serverCPUPercent { parts.append(String(format: "srv %.0f%%", cpu)) }
        if let rss = resources.serverRSSBytes { parts.append("\(rss >> 20)MiB") }
        parts.append(String(format: "gen %.0f%%", resources.generatorCPUPercent))
        if let thread = resources.serviceThreadCPUPercent { parts.append(String(format: "(lws %.0f%%)", thread)) }
        return parts.joined(separator: " ")
    }

    /// 1234 → "1234", 123456 → "123.5k", 2345678 → "2.35M".
    static func rate(_ value: Double) -> String {
        switch value {
        case ..<10_000: return String(Int(value.rounded()))
        case ..<1_000_000: return String(format: "%.1fk", value / 1000)
        default: return String(format: "%.2fM", value / 1_000_000)
        }
    }
}
