/// How weighted signals add up (`SignalStage`).
struct ConversationSettings: Sendable, Equatable {
    /// Signals from one sender to one peer within this window add up (0: each message alone).
    var windowSeconds: Double = 1800
    /// A category whose weight reaches this, in one message or in the window, is held.
    var holdAt: Double = 1.0
    /// Weights are multiplied by this unless an unprotected sender writes to a protected peer in private.
    var peerFactor: Double = 0.5
    /// Roles a conversation protects: students, many of them minors.
    var protectedRoles: Set<String> = ["student"]
}
