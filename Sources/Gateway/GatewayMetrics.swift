import Metrics
import Wire

/// Counters the sessions update; created once so the hot path only increments.
struct GatewayMetrics: Sendable {
    let sessions = Meter(label: "rts_sessions_authenticated")
    private let errors: [ErrorCode: Counter]
    private let rejected: [String: Counter]

    init() {
        errors = Dictionary(uniqueKeysWithValues: ErrorCode.allCases.map {
            ($0, Counter(label: "rts_errors_total", dimensions: [("code", $0.rawValue)]))
        })
        rejected = Dictionary(uniqueKeysWithValues: ["blocked", "held", "masked"].map {
            ($0, Counter(label: "rts_messages_total", dimensions: [("outcome", $0)]))
        })
    }

    func error(_ code: ErrorCode) {
        errors[code]?.increment()
    }

    /// Messages that moderation changed or stopped (delivered ones are counted by the room).
    func moderated(_ outcome: String) {
        rejected[outcome]?.increment()
    }
}
