/// How the category classifier's probabilities become findings (`CategoryStage`), per org.
struct ClassifierSettings: Sendable, Equatable {
    /// One category's thresholds. With `conversation`, the score is a weighted signal instead: `hold` is the
    /// probability that weighs as much as `hold_at`, so it holds alone in the riskiest conversation, adds up
    /// over the conversation's window, and counts `peer_factor` elsewhere (as list signals do).
    struct Category: Sendable, Equatable {
        var hold: Double
        var block: Double = 1
        var conversation = false
    }

    /// Scores below this fraction of a category's `hold` are ignored, so harmless messages add no weight
    /// to a conversation.
    var countFrom = 0.5
    var categories: [String: Category] = [
        "sexual_minor_risk": Category(hold: 0.6, conversation: true),
        "self_harm": Category(hold: 0.6),
        "threat": Category(hold: 0.6, block: 0.85),
        "harassment": Category(hold: 0.6, block: 0.85),
        "hate": Category(hold: 0.6, block: 0.85),
        "insult": Category(hold: 0.6, block: 0.85),
    ]
}
