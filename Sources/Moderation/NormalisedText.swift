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
    }

    var words: [Word]
    /// The words joined by single spaces: what regex rules and the classifier's second pass read.
    var text: String

    init(words: [Word]) {
        self.words = words
        text = words.map(\.text).joined(separator: " ")
    }
}
