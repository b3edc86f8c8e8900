/// Finds listed words and phrases in a message's normalised words, on word boundaries.
///
/// Whole words only, so "class", "assess" and "skill" never match "ass" or "kill" (the Scunthorpe problem).
/// Two deliberate widenings: Hebrew and Arabic words may carry attached prefixes ("והמטומטם", "والغبي"), and a
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
            for alternative in term.positions[0].alternatives {
                if alternative.isPrefix {
                    byStem[Self.stem(alternative.word.squeezed), default: []].append(index)
                } else {
                    byFirstWord[alternative.word.squeezed, default: []].append(index)
                }
            }
            if term.kind != .exception, let word = term.singleWord, word.squeezed.unicodeScalars.count >= Self.minimumInsideLength {
                searchedInside.append(index)
            }
        }
        self.byFirstWord = byFirstWord.mapValues(Self.unique)
        self.byStem = byStem.mapValues(Self.unique)
        self.searchedInside = searchedInside
    }

    func matches(in words: [NormalisedText.Word]) -> Result {
        var result = Result()
        guard !terms.isEmpty else { return result }
        for position in words.indices {
            let word = words[position]
            var found = matches(startingWith: word, at: position, in: words)
            if found.isEmpty {
                for stripped in AttachedPrefixes.variants(of: word) {
                    found = matches(startingWith: stripped, at: position, in: words)
                    if !found.isEmpty { break }
                }
            }
            if word.isCollapsed {
                for index in searchedInside where word.squeezed.contains(terms[index].singleWord?.squeezed ?? "\u{0}") {
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
        func add(_ candidates: [Int]?) {
            for index in candidates ?? [] {
                if let end = terms[index].matchEnd(in: words, from: position, first: first) {
                    found.append(Match(term: index, words: position..<end))
                }
            }
        }
        add(byFirstWord[first.squeezed])
        add(byStem[Self.stem(first.squeezed)])
        return found
    }

    private static func stem(_ squeezed: String) -> String {
        String(squeezed.unicodeScalars.prefix(ListedTerm.wildcardStemLength))
    }

    /// A term whose first position offers two alternatives with one key ("kill|kil") is looked at once.
    private static func unique(_ indices: [Int]) -> [Int] {
        var seen = Set<Int>()
        return indices.filter { seen.insert($0).inserted }
    }
}
