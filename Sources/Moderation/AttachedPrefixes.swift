/// One-letter words that Hebrew and Arabic write joined to the next word: "והמטומטם" is "and the idiot",
/// "والغبي" the same in Arabic. Lists name the bare word; these are the message word's other readings.
enum AttachedPrefixes {
    /// A stripped word keeps at least this many letters, so short words are not read as prefix + nothing.
    static let minimumRest = 2

    /// Calls `body` with each number of leading scalars that may be attached prefixes, fewest first,
    /// until it returns true. Nothing is allocated: most words are not looked at further.
    static func forEachStrip(of word: NormalisedText.Word, _ body: (Int) -> Bool) {
        // Latin words (most) have a one-byte first letter: nothing to strip.
        guard let lead = word.text.utf8.first, lead >= 0x80 else { return }
        var scalars = word.text.unicodeScalars.makeIterator()
        guard let first = scalars.next() else { return }
        let isHebrew = hebrew.contains(first.value)
        guard isHebrew || (0x0600...0x06FF).contains(first.value) else { return }
        let upcoming = (first, scalars.next(), scalars.next(), scalars.next(), scalars.next())
        let length = word.text.unicodeScalars.count
        if isHebrew {
            hebrewStrips(upcoming, length: length, body)
        } else {
            arabicStrips(upcoming, length: length, body)
        }
    }

    /// The word read without its first `count` scalars.
    static func reading(_ word: NormalisedText.Word, dropping count: Int) -> NormalisedText.Word {
        let text = String(word.text.unicodeScalars.dropFirst(count))
        let squeezed = word.hasRepeats ? Elongation.squeezed(text) : text
        return NormalisedText.Word(text: text, squeezed: squeezed, isCollapsed: word.isCollapsed)
    }

    /// ו ה ב ל ש מ כ, up to three of them (after final-letter folding כ is the only form of kaf).
    private static let hebrew: Set<UInt32> = [0x05D5, 0x05D4, 0x05D1, 0x05DC, 0x05E9, 0x05DE, 0x05DB]

    private typealias Upcoming = (Unicode.Scalar, Unicode.Scalar?, Unicode.Scalar?, Unicode.Scalar?, Unicode.Scalar?)

    private static func hebrewStrips(_ upcoming: Upcoming, length: Int, _ body: (Int) -> Bool) {
        let leading = [upcoming.0, upcoming.1, upcoming.2]
        for count in 1...3 {
            guard let letter = leading[count - 1], hebrew.contains(letter.value), length - count >= minimumRest else { return }
            if body(count) { return }
        }
    }

    /// Arabic: a conjunction (و ف), then a preposition (ب ك ل), then the article ال (after ل written ل alone:
    /// "للبيت"). Each step that applies gives one more reading.
    private static func arabicStrips(_ upcoming: Upcoming, length: Int, _ body: (Int) -> Bool) {
        let scalars = [upcoming.0, upcoming.1, upcoming.2, upcoming.3, upcoming.4]
        var count = 0
        func strip(_ letters: Int) -> Bool {
            count += letters
            return length - count >= minimumRest && body(count)
        }
        if let first = scalars[count], first == waw || first == feh, strip(1) { return }
        var afterLam = false
        if let next = scalars[count], next == beh || next == kaf || next == lam {
            afterLam = next == lam
            if strip(1) { return }
        }
        if scalars[count] == alef, count + 1 < scalars.count, scalars[count + 1] == lam {
            _ = strip(2)
        } else if afterLam, scalars[count] == lam {
            _ = strip(1)
        }
    }

    private static let alef: Unicode.Scalar = "\u{0627}"
    private static let beh: Unicode.Scalar = "\u{0628}"
    private static let feh: Unicode.Scalar = "\u{0641}"
    private static let kaf: Unicode.Scalar = "\u{0643}"
    private static let lam: Unicode.Scalar = "\u{0644}"
    private static let waw: Unicode.Scalar = "\u{0648}"
}
