import Metrics
import Wire

/// Counters the sessions update; created once so the hot path only increments.
struct GatewayMetrics: Sendable {
    let sessions = Meter(label: "rts_sessions_authenticated")
    private let errors: [ErrorCode: Counter]

    init() {
        errors = Dictionary(uniqueKeysWithValues: ErrorCode.allCases.map {
            ($0, Counter(label: "rts_errors_total", dimensions: [("code", $0.rawValue)]))
        })
    }

    func error(_ code: ErrorCode) {
        errors[code]?.increment()
    }
}
