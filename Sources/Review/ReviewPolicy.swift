import Wire

/// What happens to held messages nobody decided on.
public struct ReviewPolicy: Sendable {
    public var reviewTimeoutMS: Int64
    /// `reject` or `approve`.
    public var holdDefault: ModerationDecision

    public init(reviewTimeoutMS: Int64, holdDefault: ModerationDecision) {
        self.reviewTimeoutMS = reviewTimeoutMS
        self.holdDefault = holdDefault
    }
}
