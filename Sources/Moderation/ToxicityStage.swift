/// The trained classifier on the normalised words (so "1d10t" scores as "idiot", "i d i o t" and "iiiidiot"
/// too); org thresholds turn its score into hold or block with reason `toxicity`. (Scoring the text as
/// written as well changed no verdict on eval/ or holdout/ and cost about a tenth of the moderator's time.)
struct ToxicityStage: ModerationStage {
    let model: ToxicityModel
    let thresholds: ToxicityThresholds

    func screen(_ screening: inout Screening) {
        // Words inside allow-exceptions ("kill the process") do not count towards the score.
        var ignored: [Int32] = []
        for position in screening.exceptedWords {
            if let index = model.index(of: screening.normalised.words[position].text) { ignored.append(index) }
        }
        let score = model.probability(words: screening.normalised.words, ignoring: ignored)
        screening.scores["toxicity"] = score
        if thresholds.block < 1, score >= thresholds.block {
            screening.flag("toxicity", .block)
        } else if score >= thresholds.hold {
            screening.flag("toxicity", .hold)
        }
    }
}

/// Classifier probability → action, per org. A block threshold of 1 means the classifier alone never blocks:
/// its scores saturate at 1.0 on mild profanity, so by default it holds for a person and curated lists block.
struct ToxicityThresholds: Sendable, Equatable {
    var hold = 0.80
    var block = 1.0
}
