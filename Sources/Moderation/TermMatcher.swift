/// Finds listed words and phrases in a message's normalised words, on word boundaries.
///
/// Whole words only, so "class", "assess" and "skill" never match "ass" or "kill" (the Scunthorpe problem).
/// Two deliberate widenings: Hebrew words may carry attached prefixes (ו ה ב ל ש מ כ: "והמטומטם"), and a
/// word joined from spaced letters ("f u c k i n g i d i o t") has no known boundaries, so it is searched inside.
struct TermMatcher: Sendable {
    struct Match: Equatable {
        var term: Int
        var words: Range<Int>
    }

    struct Result {
        var flags: [Match] = []
        /// Word ranges covered by allow-exceptions.
        var exceptions: [Range<Int>] = []
    }

    let terms: [ListedTerm]
    /// Squeezed first word → terms, for terms whose first word is whole.
    private let byFirstWord: [String: [Int]]
    /// First letters of a one-word wildcard stem → terms.
    private let byStem: [String: [Int]]
    /// One-word flag terms long enough to look for inside collapsed words.
    private let searchedInside: [Int]

    /// Inside a collapsed word, shorter entries ("ass" in "c l a s s") would be false positives.
    static let minimumInsideLength = 4

    init(terms: [ListedTerm]) {
        self.terms = terms
        var byFirstWord: [String: [Int]] = [:]
        var byStem: [String: [Int]] = [:]
        var searchedInside: [Int] = []
        for (index, term) in terms.enumerated() {
            if term.lastWordIsPrefix, term.words.count == 1 {
                byStem[Self.stem(term.words[0].squeezed), default: []].append(index)
            } else {
                byFirstWord[term.words[0].squeezed, default: []].append(index)
            }
            if term.words.count == 1, term.kind != .exception,
                term.words[0].squeezed.unicodeScalars.count >= Self.minimumInsideLength
            {
                searchedInside.append(index)
            }
        }
        self.byFirstWord = byFirstWord
        self.byStem = byStem
        self.searchedInside = searchedInside
    }

    func matches(in words: [NormalisedText.Word]) -> Result {
        var result = Result()
        guard !terms.isEmpty else { return result }
        for position in words.indices {
            let word = words[position]
            var found = matches(startingWith: word, at: position, in: words)
            if found.isEmpty {
                for stripped in Self.withoutHebrewPrefixes(word) {
                    found = matches(startingWith: stripped, at: position, in: words)
                    if !found.isEmpty { break }
                }
            }
            if word.isCollapsed {
                for index in searchedInside where word.squeezed.contains(terms[index].words[0].squeezed) {
                    found.append(Match(term: index, words: position..<position + 1))
                }
            }
            for match in found {
                if terms[match.term].kind == .exception {
                    result.exceptions.append(match.words)
                } else {
                    result.flags.append(match)
                }
            }
        }
        if !result.exceptions.isEmpty {
            let exceptions = result.exceptions
            // An exception cancels matches it covers whole: "kill" inside "kill the process", not "go to hell" around "hell".
            result.flags.removeAll { flag in exceptions.contains { $0.clamped(to: flag.words) == flag.words } }
        }
        return result
    }

    private func matches(startingWith first: NormalisedText.Word, at position: Int, in words: [NormalisedText.Word]) -> [Match] {
        var found: [Match] = []
        for index in byFirstWord[first.squeezed] ?? [] where phrase(index, matchesFrom: position, first: first, in: words) {
            found.append(Match(term: index, words: position..<position + terms[index].words.count))
        }
        for index in byStem[Self.stem(first.squeezed)] ?? [] where terms[index].matches(first, at: 0) {
            found.append(Match(term: index, words: position..<position + 1))
        }
        return found
    }

    private func phrase(_ index: Int, matchesFrom position: Int, first: NormalisedText.Word, in words: [NormalisedText.Word]) -> Bool {
        let term = terms[index]
        guard position + term.words.count <= words.count, term.matches(first, at: 0) else { return false }
        for offset in 1..<term.words.count where !term.matches(words[position + offset], at: offset) { return false }
        return true
    }

    private static func stem(_ squeezed: String) -> String {
        String(squeezed.unicodeScalars.prefix(ListedTerm.wildcardStemLength))
    }

    /// "והמטומטם" → "המטומטם", "מטומטם": up to three attached one-letter prefixes, keeping two letters at least.
    static func withoutHebrewPrefixes(_ word: NormalisedText.Word) -> [NormalisedText.Word] {
        guard let first = word.text.unicodeScalars.first, hebrewPrefixes.contains(first.value) else { return [] }
        var rest = Substring(word.text)
        var variants: [NormalisedText.Word] = []
        while variants.count < 3, let first = rest.unicodeScalars.first, hebrewPrefixes.contains(first.value) {
            rest = Substring(rest.unicodeScalars.dropFirst())
            guard rest.unicodeScalars.count >= 2 else { break }
            let text = String(rest)
            let squeezed = word.text == word.squeezed ? text : Elongation.squeezed(text)
            variants.append(NormalisedText.Word(text: text, squeezed: squeezed, isCollapsed: word.isCollapsed))
        }
        return variants
    }

    /// ו ה ב ל ש מ כ (after final-letter folding כ is the only form of kaf).
    private static let hebrewPrefixes: Set<UInt32> = [0x05D5, 0x05D4, 0x05D1, 0x05DC, 0x05E9, 0x05DE, 0x05DB]
}
