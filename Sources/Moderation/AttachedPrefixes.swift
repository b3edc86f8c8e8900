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
        let leading = Leading(word.text)
        guard let first = leading[0] else { return }
        if isHebrewPrefix(first) {
            hebrewStrips(leading, body)
        } else if (0x0600...0x06FF).contains(first) {
            arabicStrips(leading, body)
        }
    }

    /// The word read without its first `count` scalars.
    static func reading(_ word: NormalisedText.Word, dropping count: Int) -> NormalisedText.Word {
        let text = String(word.text.unicodeScalars.dropFirst(count))
        let squeezed = word.hasRepeats ? Elongation.squeezed(text) : text
        return NormalisedText.Word(text: text, squeezed: squeezed, isCollapsed: word.isCollapsed)
    }

    /// ו ה ב ל ש מ כ, up to three of them (after final-letter folding כ is the only form of kaf).
    private static func isHebrewPrefix(_ scalar: UInt32) -> Bool {
        switch scalar {
        case 0x05D5, 0x05D4, 0x05D1, 0x05DC, 0x05E9, 0x05DE, 0x05DB: true
        default: false
        }
    }

    /// A word's first scalars, as many as the longest strip and `minimumRest` need, decoded from its UTF-8
    /// by hand (a String's scalar view or iterator costs more than the rest of the lookup).
    private struct Leading {
        /// Room for the longest strip (و, then ب ك or ل, then ال: four) and `minimumRest`.
        private var values = InlineArray<6, UInt32>(repeating: 0)
        /// Scalars decoded: the word's length, counted as far as `longestStrip + minimumRest`.
        private(set) var count = 0

        init(_ word: String) {
            var word = word
            word.withUTF8 { bytes in
                var offset = 0
                while count < values.count, let lead = bytes[offset...].first {
                    let width = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
                    guard offset + width <= bytes.count else { return }
                    var value = width == 1 ? UInt32(lead) : UInt32(lead) & (0x7F >> width)
                    for continuation in bytes[(offset + 1)..<(offset + width)] { value = value << 6 | UInt32(continuation & 0x3F) }
                    values[count] = value
                    count += 1
                    offset += width
                }
            }
        }

        subscript(index: Int) -> UInt32? { index < count ? values[index] : nil }

        /// Whether `minimumRest` scalars remain after the first `stripped`.
        func leavesEnough(after stripped: Int) -> Bool { count - stripped >= minimumRest }
    }

    private static func hebrewStrips(_ leading: Leading, _ body: (Int) -> Bool) {
        for count in 1...3 {
            guard let letter = leading[count - 1], isHebrewPrefix(letter), leading.leavesEnough(after: count) else { return }
            if body(count) { return }
        }
    }

    /// Arabic: a conjunction (و ف), then a preposition (ب ك ل), then the article ال (after ل written ل alone:
    /// "للبيت"). Each step that applies gives one more reading.
    private static func arabicStrips(_ leading: Leading, _ body: (Int) -> Bool) {
        var count = 0
        func strip(_ letters: Int) -> Bool {
            count += letters
            return leading.leavesEnough(after: count) && body(count)
        }
        if let first = leading[count], first == waw || first == feh, strip(1) { return }
        var afterLam = false
        if let next = leading[count], next == beh || next == kaf || next == lam {
            afterLam = next == lam
            if strip(1) { return }
        }
        if leading[count] == alef, leading[count + 1] == lam {
            _ = strip(2)
        } else if afterLam, leading[count] == lam {
            _ = strip(1)
        }
    }

    private static let alef: UInt32 = 0x0627
    private static let beh: UInt32 = 0x0628
    private static let feh: UInt32 = 0x0641
    private static let kaf: UInt32 = 0x0643
    private static let lam: UInt32 = 0x0644
    private static let waw: UInt32 = 0x0648
}
