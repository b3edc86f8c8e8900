/// One entry of a word or phrase list, normalised the way message text is, so lists can be written plainly.
///
/// An entry is a sequence of word positions separated by spaces. A position may offer alternatives
/// (`send|show|give`), an alternative may be several words (`don't|dont|do_not`: punctuation and `_` split
/// words, as in messages), any alternative may end in `*` to match its last word as a prefix (`pic*`), and
/// `~N` between two positions lets up to N other words stand in between (`send ~2 pic*` matches "send me a pic").
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

        var description: String {
            switch self {
            case .empty(let term): "list entry \"\(term)\" has no letters"
            case .shortWildcard(let term): "wildcard entry \"\(term)\" needs at least \(ListedTerm.wildcardStemLength) letters before *"
            case .badGap(let term): "list entry \"\(term)\": ~N (N from 1 to \(ListedTerm.maximumGap)) must stand between two words"
            }
        }
    }

    /// One way to fill a word position: one word or several in a row.
    struct Alternative: Sendable {
        var words: [NormalisedText.Word]
        /// A trailing `*`: the last text word only has to start with the listed one ("fuck*" matches "fucking").
        var isPrefix: Bool

        /// How many words it covers when its first word is `first` and the rest follow at `next`, or nil.
        func length(first: NormalisedText.Word, next: Int, in text: [NormalisedText.Word]) -> Int? {
            guard next + words.count - 1 <= text.count, matches(first, at: 0) else { return nil }
            for offset in 1..<words.count where !matches(text[next + offset - 1], at: offset) { return nil }
            return words.count
        }

        private func matches(_ candidate: NormalisedText.Word, at offset: Int) -> Bool {
            let word = words[offset]
            if isPrefix, offset == words.count - 1 {
                return candidate.startsWith(word) && Elongation.stretches(candidate.text, word.text, prefixOnly: true)
            }
            // Equal keys and no repeats on either side: the same letters, nothing left to check.
            return candidate.key == word.key && (!candidate.hasRepeats && !word.hasRepeats || Elongation.stretches(candidate.text, word.text))
        }
    }

    struct Position: Sendable {
        var alternatives: [Alternative]
        /// How many other words may stand between the previous position and this one.
        var gapBefore: Int
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
            var alternatives: [Alternative] = []
            for option in token.split(separator: "|") { alternatives.append(try Self.alternative(option, in: entry)) }
            positions.append(Position(alternatives: alternatives, gapBefore: gap))
            gap = 0
        }
        guard gap == 0 else { throw .badGap(entry) }
        guard !positions.isEmpty else { throw .empty(entry) }
        self.positions = positions
        self.kind = kind
    }

    private static func alternative(_ option: Substring, in entry: String) throws(CompileError) -> Alternative {
        var body = option
        let isPrefix = body.hasSuffix("*")
        if isPrefix { body = body.dropLast() }
        let words = TextNormaliser.normalise(String(body)).words.map {
            NormalisedText.Word(text: $0.text, squeezed: $0.squeezed, isCollapsed: false)
        }
        guard let last = words.last else { throw .empty(entry) }
        if isPrefix, last.squeezed.unicodeScalars.count < wildcardStemLength { throw .shortWildcard(entry) }
        return Alternative(words: words, isPrefix: isPrefix)
    }

    /// Where a match whose first word is `first` (the text word at `start`, or a reading of it without
    /// attached prefixes) ends, exclusive, or nil. Gaps take the fewest words that fit.
    func matchEnd(in words: [NormalisedText.Word], from start: Int, first: NormalisedText.Word) -> Int? {
        for alternative in positions[0].alternatives {
            if let length = alternative.length(first: first, next: start + 1, in: words),
                let end = end(in: words, position: 1, after: start + length)
            {
                return end
            }
        }
        return nil
    }

    private func end(in words: [NormalisedText.Word], position: Int, after next: Int) -> Int? {
        guard position < positions.count else { return next }
        let current = positions[position]
        let last = min(words.count - 1, next + current.gapBefore)
        guard next <= last else { return nil }
        for index in next...last {
            for alternative in current.alternatives {
                if let length = alternative.length(first: words[index], next: index + 1, in: words),
                    let end = end(in: words, position: position + 1, after: index + length)
                {
                    return end
                }
            }
        }
        return nil
    }

    /// The only word of a one-word entry without alternatives, for the search inside collapsed words.
    var singleWord: NormalisedText.Word? {
        guard positions.count == 1, positions[0].alternatives.count == 1, positions[0].alternatives[0].words.count == 1 else { return nil }
        return positions[0].alternatives[0].words[0]
    }
}
