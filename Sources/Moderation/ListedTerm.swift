/// One entry of a word or phrase list, normalised the way message text is, so lists can be written plainly.
///
/// An entry is a sequence of word positions separated by spaces. A position may offer alternatives
/// (`send|show|give`), any alternative may end in `*` to match as a prefix (`pic*`), and `~N` between two
/// positions lets up to N other words stand in between (`send ~2 pic*` matches "send me a pic").
struct ListedTerm: Sendable {
    enum Kind: Sendable, Equatable {
        /// A block or hold list entry: matching it flags the message.
        case flag(ModerationAction, category: String)
        /// An allow-exception: list matches inside it do not count, and the classifier ignores its words.
        case exception
        /// A weighted signal: weights add up within a message and a conversation (`SignalStage`).
        case signal(Signal)
    }

    enum CompileError: Error, CustomStringConvertible {
        case empty(String)
        case shortWildcard(String)
        case badGap(String)
        case alternativeIsPhrase(String)

        var description: String {
            switch self {
            case .empty(let term): "list entry \"\(term)\" has no letters"
            case .shortWildcard(let term): "wildcard entry \"\(term)\" needs at least \(ListedTerm.wildcardStemLength) letters before *"
            case .badGap(let term): "list entry \"\(term)\": ~N (N from 1 to \(ListedTerm.maximumGap)) must stand between two words"
            case .alternativeIsPhrase(let term): "list entry \"\(term)\": each alternative of a|b must be one word"
            }
        }
    }

    /// One way to fill a word position.
    struct Alternative: Sendable {
        var word: NormalisedText.Word
        /// A trailing `*`: the text word only has to start with this one ("fuck*" matches "fucking").
        var isPrefix: Bool

        func matches(_ candidate: NormalisedText.Word) -> Bool {
            if isPrefix {
                return candidate.squeezed.hasPrefix(word.squeezed) && Elongation.stretches(candidate.text, word.text, prefixOnly: true)
            }
            return candidate.squeezed == word.squeezed && Elongation.stretches(candidate.text, word.text)
        }
    }

    struct Position: Sendable {
        var alternatives: [Alternative]
        /// How many other words may stand between the previous position and this one.
        var gapBefore: Int

        func matches(_ candidate: NormalisedText.Word) -> Bool {
            alternatives.contains { $0.matches(candidate) }
        }
    }

    /// Wildcard stems are indexed by their first letters; shorter stems would match far too much.
    static let wildcardStemLength = 3
    static let maximumGap = 5

    var positions: [Position]
    var kind: Kind

    init(_ entry: String, kind: Kind) throws(CompileError) {
        var positions: [Position] = []
        var gap = 0
        for token in entry.split(whereSeparator: \.isWhitespace) {
            if token.first == "~" {
                guard let count = Int(token.dropFirst()), (1...Self.maximumGap).contains(count), !positions.isEmpty, gap == 0 else {
                    throw .badGap(entry)
                }
                gap = count
                continue
            }
            let options = token.split(separator: "|")
            guard options.count > 1 else {
                // A plain token may normalise to several words ("don't" → "don t"): each is a position of its own.
                let (words, isPrefix) = try Self.words(of: token, in: entry)
                for (index, word) in words.enumerated() {
                    let prefix = isPrefix && index == words.count - 1
                    positions.append(Position(alternatives: [Alternative(word: word, isPrefix: prefix)], gapBefore: index == 0 ? gap : 0))
                }
                gap = 0
                continue
            }
            var alternatives: [Alternative] = []
            for option in options {
                let (words, isPrefix) = try Self.words(of: option, in: entry)
                guard words.count == 1 else { throw .alternativeIsPhrase(entry) }
                alternatives.append(Alternative(word: words[0], isPrefix: isPrefix))
            }
            positions.append(Position(alternatives: alternatives, gapBefore: gap))
            gap = 0
        }
        guard gap == 0 else { throw .badGap(entry) }
        guard !positions.isEmpty else { throw .empty(entry) }
        self.positions = positions
        self.kind = kind
    }

    private static func words(of token: Substring, in entry: String) throws(CompileError) -> ([NormalisedText.Word], Bool) {
        var body = token
        let isPrefix = body.hasSuffix("*")
        if isPrefix { body = body.dropLast() }
        let words = TextNormaliser.normalise(String(body)).words.map {
            NormalisedText.Word(text: $0.text, squeezed: $0.squeezed, isCollapsed: false)
        }
        guard let last = words.last else { throw .empty(entry) }
        if isPrefix, last.squeezed.unicodeScalars.count < wildcardStemLength { throw .shortWildcard(entry) }
        return (words, isPrefix)
    }

    /// Where a match whose first word is `words[start]` ends (exclusive), or nil. Gaps take the fewest words that fit.
    func matchEnd(in words: [NormalisedText.Word], from start: Int, first: NormalisedText.Word) -> Int? {
        guard positions[0].matches(first) else { return nil }
        return end(in: words, position: 1, after: start + 1)
    }

    private func end(in words: [NormalisedText.Word], position: Int, after next: Int) -> Int? {
        guard position < positions.count else { return next }
        let current = positions[position]
        let last = min(words.count - 1, next + current.gapBefore)
        guard next <= last else { return nil }
        for index in next...last where current.matches(words[index]) {
            if let end = end(in: words, position: position + 1, after: index + 1) { return end }
        }
        return nil
    }

    /// The only word of a one-word entry without alternatives, for the search inside collapsed words.
    var singleWord: NormalisedText.Word? {
        guard positions.count == 1, positions[0].alternatives.count == 1 else { return nil }
        return positions[0].alternatives[0].word
    }
}
