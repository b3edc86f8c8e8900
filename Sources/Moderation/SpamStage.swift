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
        let links = Self.linkCount(screening.original)
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
        if isShouting(screening.original) { screening.flag("spam.caps", settings.action) }
        if isFlood(screening) { screening.flag("spam.flood", settings.action) }
    }

    /// `http://`, `https://` and `www.` starts, case-insensitively.
    static func linkCount(_ text: String) -> Int {
        var count = 0
        var window: UInt64 = 0  // the last eight bytes, lower-cased
        for byte in text.utf8 {
            let lowered = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
            window = (window << 8) | UInt64(lowered)
            if window & 0xFF_FFFF == 0x3A_2F2F {  // "://"
                count += 1
            } else if window & 0xFFFF_FFFF == 0x7777_772E, !(window >> 32 & 0xFF).isWordByte {  // "www." not inside a word
                count += 1
            }
        }
        return count
    }

    private func isShouting(_ text: String) -> Bool {
        var upper = 0
        var letters = 0
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x80 {
                if value >= 0x41 && value <= 0x5A {
                    upper += 1
                    letters += 1
                } else if value >= 0x61 && value <= 0x7A {
                    letters += 1
                }
            } else {
                let traits = ScalarTraits.of(scalar)
                if traits.contains(.uppercase) {
                    upper += 1
                    letters += 1
                } else if traits.contains(.lowercase) {
                    letters += 1
                }
            }
        }
        return letters >= settings.capsMinLetters && Double(upper) >= settings.capsRatio * Double(letters)
    }

    /// One symbol or emoji `floodRun` times in a row, or one word `floodWords` times in a row. Runs of a
    /// letter or digit don't count: "1111 1111" is a number, and "aaaa…" is noise the normaliser already
    /// folds for matching, not something to hold a message for.
    private func isFlood(_ screening: Screening) -> Bool {
        var run = 0
        var previous: Unicode.Scalar?
        for scalar in screening.original.unicodeScalars {
            if scalar == previous {
                // Asked only of repeats: the property lookup costs more than the whole loop otherwise.
                let exempt = ScalarTraits.of(scalar).contains(.letter) || (scalar.value >= 0x30 && scalar.value <= 0x39)
                run = exempt ? 1 : run + 1
            } else {
                run = 1
            }
            previous = scalar
            if run >= settings.floodRun { return true }
        }
        var wordRun = 0
        var previousWord: UInt64?
        for word in screening.normalised.words {
            wordRun = word.key == previousWord ? wordRun + 1 : 1
            previousWord = word.key
            if wordRun >= settings.floodWords { return true }
        }
        return false
    }
}

extension UInt64 {
    fileprivate var isWordByte: Bool {
        (self >= 0x61 && self <= 0x7A) || (self >= 0x30 && self <= 0x39)
    }
}
