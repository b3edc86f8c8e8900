import Metrics
import Moderation
import Wire

/// Counters the sessions update; created once so the hot path only increments.
struct GatewayMetrics: Sendable {
    let sessions = Meter(label: "rts_sessions_authenticated")
    private let errors: [ErrorCode: Counter]
    private let moderatedMessages: [ModerationAction: Counter]

    init() {
        errors = Dictionary(uniqueKeysWithValues: ErrorCode.allCases.map {
            ($0, Counter(label: "rts_errors_total", dimensions: [("code", $0.rawValue)]))
        })
        let outcomes: [(ModerationAction, String)] = [(.mask, "masked"), (.hold, "held"), (.block, "blocked")]
        moderatedMessages = Dictionary(uniqueKeysWithValues: outcomes.map { action, outcome in
            (action, Counter(label: "rts_messages_total", dimensions: [("outcome", outcome)]))
        })
    }

    func error(_ code: ErrorCode) {
        errors[code]?.increment()
    }

    /// Messages that moderation changed or stopped (delivered ones are counted by the room).
    func moderated(_ action: ModerationAction) {
        moderatedMessages[action]?.increment()
    }
}
