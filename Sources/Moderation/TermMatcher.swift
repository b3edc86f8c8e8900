/// Finds listed words and phrases in a message's normalised words, on word boundaries.
///
/// Whole words only, so "class", "assess" and "skill" never match "ass" or "kill" (the Scunthorpe problem).
/// Two deliberate widenings: Hebrew and Arabic words may carry attached prefixes ("והמטומטם", "والغبي"), and a
/// word joined from spaced letters ("f u c k i n g i d i o t") has no known boundaries, so it is searched inside.
final class TermMatcher: Sendable {
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
    /// Squeezed first word's key → terms, for terms whose first word is whole (and not in `byPair`).
    private let byFirstWord: KeyTable
    /// The keys of the first two positions' words → terms that start with two whole words, in a row or
    /// with a gap (`i ~2 have`). Common first words ("you", "i", "don't") start dozens of entries; keyed
    /// by two, a word only meets the few that fit.
    private let byPair: KeyTable
    /// The widest gap between the first two positions of a term in `byPair`: how far ahead a word's
    /// partner is looked for.
    private let pairReach: Int
    /// First words' keys of the terms in `byPair`.
    private let pairStarts: KeyTable
    /// First letters (their key) of a one-word wildcard stem → terms.
    private let byStem: KeyTable
    /// The keys of `byFirstWord` and `pairStarts`, and of `byStem`: asked first, as most words start nothing.
    private let firstWords: KeyFilter
    private let stems: KeyFilter
    /// One-word flag terms long enough to look for inside collapsed words.
    private let searchedInside: [Int]
    /// Per term, whether it is an allow-exception (asked of every match; cheaper than its `kind`).
    private let isException: [Bool]

    /// Inside a collapsed word, shorter entries ("ass" in "c l a s s") would be false positives.
    static let minimumInsideLength = 4

    init(terms: [ListedTerm]) {
        self.terms = terms
        var byFirstWord: [UInt64: [Int]] = [:]
        var byPair: [UInt64: [Int]] = [:]
        var pairStarts: [UInt64: [Int]] = [:]
        var pairReach = 1
        var byStem: [UInt64: [Int]] = [:]
        var searchedInside: [Int] = []
        for (index, term) in terms.enumerated() {
            if let pairs = Self.pairKeys(term) {
                for key in pairs { byPair[key, default: []].append(index) }
                // A several-word first alternative pairs its own two words, one apart.
                if term.positions.count >= 2 { pairReach = max(pairReach, term.positions[1].gapBefore + 1) }
                for alternative in term.positions[0].alternatives { pairStarts[alternative.words[0].key] = [index] }
            } else {
                for alternative in term.positions[0].alternatives {
                    let first = alternative.words[0]
                    if alternative.isPrefix, alternative.words.count == 1 {
                        byStem[first.stemKey, default: []].append(index)
                    } else {
                        byFirstWord[first.key, default: []].append(index)
                    }
                }
            }
            if term.kind != .exception, let word = term.singleWord, word.squeezed.unicodeScalars.count >= Self.minimumInsideLength {
                searchedInside.append(index)
            }
        }
        self.byFirstWord = KeyTable(byFirstWord.mapValues(Self.unique))
        self.byPair = KeyTable(byPair.mapValues(Self.unique))
        self.pairStarts = KeyTable(pairStarts)
        firstWords = KeyFilter(Array(byFirstWord.keys) + Array(pairStarts.keys))
        stems = KeyFilter(byStem.keys)
        self.pairReach = pairReach
        self.byStem = KeyTable(byStem.mapValues(Self.unique))
        self.searchedInside = searchedInside
        isException = terms.map { $0.kind == .exception }
    }

    func matches(in words: [NormalisedText.Word]) -> Result {
        var result = Result()
        guard !terms.isEmpty else { return result }
        for position in words.indices {
            let word = words[position]
            var found = matches(startingWith: word, at: position, in: words)
            if found.isEmpty {
                AttachedPrefixes.forEachStrip(of: word) { count in
                    guard mayStart(word, dropping: count) else { return false }
                    found = matches(startingWith: AttachedPrefixes.reading(word, dropping: count), at: position, in: words)
                    return !found.isEmpty
                }
            }
            if word.isCollapsed {
                for index in searchedInside where word.squeezed.contains(terms[index].singleWord?.squeezed ?? "\u{0}") {
                    found.append(Match(term: index, words: position..<position + 1))
                }
            }
            for match in found {
                if isException[match.term] {
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
        func add(_ index: Int) {
            if let end = terms[index].matchEnd(in: words, from: position, first: first) {
                found.append(Match(term: index, words: position..<end))
            }
        }
        if stems.mayContain(first.stemKey) { byStem.forEach(first.stemKey, add) }
        guard firstWords.mayContain(first.key) else { return found }
        byFirstWord.forEach(first.key, add)
        let reach = min(words.count - 1, position + pairReach)
        // One lookup spares the look ahead for words that start no pair.
        if position < reach, pairStarts.contains(first.key) {
            // A term may pair with several words in reach ("i … i … have"): each is tried once.
            var paired: [Int] = []
            for next in (position + 1)...reach {
                byPair.forEach(Self.pair(first.key, words[next].key)) { index in
                    if !paired.contains(index) { paired.append(index) }
                }
            }
            paired.forEach(add)
        }
        return found
    }

    /// Every (first word, second word) key a term can start with, or nil when it can't be keyed so: a
    /// wildcard first or second word, or a one-position term with a one-word alternative. The second word
    /// is an alternative's own second word ("i'm" is "i m"), else the next position's first.
    private static func pairKeys(_ term: ListedTerm) -> [UInt64]? {
        var keys: [UInt64] = []
        for first in term.positions[0].alternatives {
            let words = first.words
            if words.count >= 2 {
                guard !(first.isPrefix && words.count == 2) else { return nil }
                keys.append(pair(words[0].key, words[1].key))
                continue
            }
            guard !first.isPrefix, term.positions.count >= 2 else { return nil }
            for second in term.positions[1].alternatives {
                guard !(second.isPrefix && second.words.count == 1) else { return nil }
                keys.append(pair(words[0].key, second.words[0].key))
            }
        }
        return keys
    }

    private static func pair(_ first: UInt64, _ second: UInt64) -> UInt64 {
        (first &* 0x9E37_79B9_7F4A_7C15) ^ second
    }

    /// Whether any term may start with `word` read without its first `count` scalars: checked on the hashes
    /// of its bytes, so that a reading is only built for the rare word that some entry starts with.
    private func mayStart(_ word: NormalisedText.Word, dropping count: Int) -> Bool {
        // Words with repeated letters ("ללמוד") squeeze differently once stripped: build the reading.
        guard !word.hasRepeats else { return true }
        var bytes = word.squeezed.utf8[...]
        for _ in 0..<count {
            guard let lead = bytes.first else { return false }
            bytes = bytes.dropFirst(lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4)
        }
        let keys = WordKeys.of(bytes)
        return firstWords.mayContain(keys.key) || stems.mayContain(keys.stem)
    }

    /// A term whose first position offers two alternatives with one key ("kill|kil") is looked at once.
    private static func unique(_ indices: [Int]) -> [Int] {
        var seen = Set<Int>()
        return indices.filter { seen.insert($0).inserted }
    }
}
