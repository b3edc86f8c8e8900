/// One entry of a word or phrase list, normalised the way message text is, so lists can be written plainly.
struct ListedTerm: Sendable {
    enum Kind: Sendable, Equatable {
        /// A block or hold list entry: matching it flags the message.
        case flag(ModerationAction, category: String)
        /// An allow-exception: list matches inside it do not count, and the classifier ignores its words.
        case exception
    }

    enum CompileError: Error, CustomStringConvertible {
        case empty(String)
        case shortWildcard(String)

        var description: String {
            switch self {
            case .empty(let term): "list entry \"\(term)\" has no letters"
            case .shortWildcard(let term): "wildcard entry \"\(term)\" needs at least \(ListedTerm.wildcardStemLength) letters before *"
            }
        }
    }

    /// Wildcard stems are indexed by their first letters; shorter stems would match far too much.
    static let wildcardStemLength = 3

    var words: [NormalisedText.Word]
    /// A trailing `*` makes the last word match as a prefix: "fuck*" matches "fucking".
    var lastWordIsPrefix: Bool
    var kind: Kind

    init(_ entry: String, kind: Kind) throws(CompileError) {
        var body = Substring(entry)
        lastWordIsPrefix = body.hasSuffix("*")
        if lastWordIsPrefix { body = body.dropLast() }
        words = TextNormaliser.normalise(String(body)).words.map {
            NormalisedText.Word(text: $0.text, squeezed: $0.squeezed, isCollapsed: false)
        }
        guard let last = words.last else { throw .empty(entry) }
        if lastWordIsPrefix, last.squeezed.unicodeScalars.count < Self.wildcardStemLength { throw .shortWildcard(entry) }
        self.kind = kind
    }

    func matches(_ word: NormalisedText.Word, at position: Int) -> Bool {
        let listed = words[position]
        if lastWordIsPrefix, position == words.count - 1 {
            return word.squeezed.hasPrefix(listed.squeezed) && Elongation.stretches(word.text, listed.text, prefixOnly: true)
        }
        return word.squeezed == listed.squeezed && Elongation.stretches(word.text, listed.text)
    }
}
