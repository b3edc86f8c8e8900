import Wire

/// What happens to held messages nobody decided on.
public struct ReviewPolicy: Sendable {
    public var reviewTimeoutMS: Int64
    /// `reject` or `approve`.
    public var holdDefault: ModerationDecision
    /// A resend of a held message's `client_msg_id` within this window replays its ack.
    public var idempotencyWindowMS: Int64

    public init(reviewTimeoutMS: Int64, holdDefault: ModerationDecision, idempotencyWindowMS: Int64) {
        self.reviewTimeoutMS = reviewTimeoutMS
        self.holdDefault = holdDefault
        self.idempotencyWindowMS = idempotencyWindowMS
    }
}
