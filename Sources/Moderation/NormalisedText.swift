/// The forms of one message that matching stages read, built once per message by `TextNormaliser`.
/// The delivered text is never built from these: it keeps its original form.
struct NormalisedText: Sendable {
    struct Word: Sendable, Equatable {
        /// Folded, lower-case, letters as written (repeats kept: "iiiidiot").
        var text: String
        /// Repeats squeezed ("idiot"); the key lists are indexed by.
        var squeezed: String
        /// Joined from spaced or dotted single letters ("i d i o t"); its word boundaries are unknown.
        var isCollapsed: Bool
        /// `squeezed`'s bytes hashed: lists are indexed by it, and comparing it is cheaper than comparing
        /// non-ASCII strings (which Swift compares with Unicode normalisation).
        let key: UInt64
        /// The hash of `squeezed`'s first `ListedTerm.wildcardStemLength` scalars, for wildcard entries.
        let stemKey: UInt64

        init(text: String, squeezed: String, isCollapsed: Bool) {
            self.init(text: text, squeezed: squeezed, isCollapsed: isCollapsed, keys: WordKeys.of(squeezed.utf8))
        }

        /// `keys`: `WordKeys.of` the squeezed form's bytes, when the caller hashed them already.
        init(text: String, squeezed: String, isCollapsed: Bool, keys: (key: UInt64, stem: UInt64)) {
            self.text = text
            self.squeezed = squeezed
            self.isCollapsed = isCollapsed
            (key, stemKey) = keys
        }

        /// Whether some letters repeat ("iiidiot"), so that `squeezed` differs from `text`.
        var hasRepeats: Bool { squeezed.utf8.count != text.utf8.count }

        /// Whether `squeezed` starts with `other.squeezed`, byte for byte.
        func startsWith(_ other: Word) -> Bool {
            squeezed.utf8.starts(with: other.squeezed.utf8)
        }
    }

    var words: [Word]

    init(words: [Word]) {
        self.words = words
    }

    /// The words joined by single spaces: what regex rules read. Built on demand: most messages try no rule.
    var text: String { words.map(\.text).joined(separator: " ") }

    /// A hash of the words in order (their squeezed forms): equal for texts that differ only in case,
    /// punctuation, spacing or stretched letters.
    var wordsHash: UInt64 {
        words.reduce(StableHash.seed) { hash, word in (hash ^ word.key) &* StableHash.prime }
    }

    /// The length in UTF-8 bytes of `text`, without building it.
    var textLength: Int {
        words.isEmpty ? 0 : words.reduce(words.count - 1) { $0 + $1.text.utf8.count }
    }
}
