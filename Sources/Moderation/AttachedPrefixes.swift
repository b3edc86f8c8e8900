/// One-letter words that Hebrew and Arabic write joined to the next word: "והמטומטם" is "and the idiot",
/// "والغبي" the same in Arabic. Lists name the bare word; these are the message word's other readings.
enum AttachedPrefixes {
    /// A stripped word keeps at least this many letters, so short words are not read as prefix + nothing.
    static let minimumRest = 2

    /// The word without its attached prefixes, shortest strip first; empty when it starts with none.
    static func variants(of word: NormalisedText.Word) -> [NormalisedText.Word] {
        guard let first = word.text.unicodeScalars.first else { return [] }
        if hebrew.contains(first.value) { return hebrewVariants(of: word) }
        if (0x0600...0x06FF).contains(first.value) { return arabicVariants(of: word) }
        return []
    }

    /// ו ה ב ל ש מ כ, up to three of them (after final-letter folding כ is the only form of kaf).
    private static let hebrew: Set<UInt32> = [0x05D5, 0x05D4, 0x05D1, 0x05DC, 0x05E9, 0x05DE, 0x05DB]

    private static func hebrewVariants(of word: NormalisedText.Word) -> [NormalisedText.Word] {
        var rest = Substring.UnicodeScalarView(word.text.unicodeScalars)
        var variants: [NormalisedText.Word] = []
        while variants.count < 3, let first = rest.first, hebrew.contains(first.value) {
            rest = rest.dropFirst()
            guard rest.count >= minimumRest else { break }
            variants.append(reading(word, String(rest)))
        }
        return variants
    }

    /// Arabic: a conjunction (و ف), then a preposition (ب ك ل), then the article ال (after ل written ل alone:
    /// "للبيت"). Each step that applies gives one more reading.
    private static func arabicVariants(of word: NormalisedText.Word) -> [NormalisedText.Word] {
        var rest = Substring.UnicodeScalarView(word.text.unicodeScalars)
        var variants: [NormalisedText.Word] = []
        func strip(_ count: Int) {
            rest = rest.dropFirst(count)
            if rest.count >= minimumRest { variants.append(reading(word, String(rest))) }
        }
        if let first = rest.first, first == waw || first == feh { strip(1) }
        var afterLam = false
        if let first = rest.first, first == beh || first == kaf || first == lam {
            afterLam = first == lam
            strip(1)
        }
        let scalars = Array(rest.prefix(2))
        if scalars.count == 2, scalars[0] == alef, scalars[1] == lam, rest.count > 2 + minimumRest - 1 {
            strip(2)
        } else if afterLam, scalars.first == lam, rest.count > minimumRest {
            strip(1)
        }
        return variants
    }

    private static let alef: Unicode.Scalar = "\u{0627}"
    private static let beh: Unicode.Scalar = "\u{0628}"
    private static let feh: Unicode.Scalar = "\u{0641}"
    private static let kaf: Unicode.Scalar = "\u{0643}"
    private static let lam: Unicode.Scalar = "\u{0644}"
    private static let waw: Unicode.Scalar = "\u{0648}"

    private static func reading(_ word: NormalisedText.Word, _ text: String) -> NormalisedText.Word {
        let squeezed = word.text == word.squeezed ? text : Elongation.squeezed(text)
        return NormalisedText.Word(text: text, squeezed: squeezed, isCollapsed: word.isCollapsed)
    }
}
