/// Repeats, link floods, shouting and character floods. Escalation is expressed as the action hold
/// (configurable) with reasons `spam.repeat`, `spam.links`, `spam.caps`, `spam.flood`: the server's own
/// send rate limit already answers `rate_limited`; this stage judges content, and a person decides.
struct SpamStage: ModerationStage {
    /// One earlier message of a user: its normalised words' hash, its links, when (ns).
    struct Entry: Sendable {
        var textHash: UInt64
        var links: Int
        var time: UInt64
    }

    /// Enough for `repeat_count` and link counts in any sane window.
    static let messagesPerUser = 16

    let settings: SpamSettings
    let log: BoundedHistory<Entry>
    let clock: @Sendable () -> UInt64

    func screen(_ screening: inout Screening) {
        let shape = TextShape(screening.original)
        let links = shape.links
        let normalised = screening.normalised
        // Emoji-only messages have no words: their text is what repeats.
        let textHash = normalised.words.isEmpty ? StableHash.of(screening.original) : normalised.wordsHash
        let textLength = normalised.words.isEmpty ? screening.original.utf8.count : normalised.textLength
        let entry = Entry(textHash: textHash, links: links, time: clock())
        let window = UInt64(settings.windowSeconds * 1e9)
        let recent = log.record(entry, key: StableHash.of(org: screening.context.org, user: screening.context.user)) { earlier in
            var recent = (sameText: 0, links: 0)
            for other in earlier where entry.time &- other.time <= window {
                if other.textHash == entry.textHash { recent.sameText += 1 }
                recent.links += other.links
            }
            return recent
        }

        if textLength >= settings.repeatMinLength, recent.sameText + 1 >= settings.repeatCount {
            screening.flag("spam.repeat", settings.action)
        }
        if links > settings.maxLinks || (links > 0 && recent.links + links > settings.maxLinksPerWindow) {
            screening.flag("spam.links", settings.action)
        }
        if shape.casedLetters >= settings.capsMinLetters, Double(shape.uppercase) >= settings.capsRatio * Double(shape.casedLetters) {
            screening.flag("spam.caps", settings.action)
        }
        if shape.longestSymbolRun >= settings.floodRun || hasWordFlood(screening.normalised.words) {
            screening.flag("spam.flood", settings.action)
        }
    }

    /// One word `floodWords` times in a row.
    private func hasWordFlood(_ words: [NormalisedText.Word]) -> Bool {
        var wordRun = 0
        var previousWord: UInt64?
        for word in words {
            wordRun = word.key == previousWord ? wordRun + 1 : 1
            previousWord = word.key
            if wordRun >= settings.floodWords { return true }
        }
        return false
    }
}
