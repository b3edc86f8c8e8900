/// The hashed features the category classifier reads from a message's normalised words: each word, each
/// pair of neighbouring words, and the 3- to 5-letter pieces of each word with its edges marked ("^idi",
/// "iot$"). Letter pieces are what let a model trained on some phrasings recognise others: a new
/// inflection, a Hebrew or Arabic word with a prefix attached, a misspelling.
///
/// The trainer (`scripts/train-moderation-model.py`) reads these same indices from
/// `realtime-server moderation-features`, so the definition lives here only.
enum CategoryFeatures {
    static let shortestPiece = 3
    static let longestPiece = 5
    /// The longest word cut into pieces; longer "words" (links, keyboard mashing) count as whole words only.
    static let longestPiecedWord = 24

    private static let wordTag: UInt64 = 0x9E37_79B9_7F4A_7C15
    private static let pairTag: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private static let edge: UInt32 = 0x5E  // "^" and "$" are never letters of a normalised word.
    private static let end: UInt32 = 0x24

    /// Calls `body` with each feature's hash; a feature that occurs twice is passed twice.
    static func forEach(in words: [NormalisedText.Word], _ body: (UInt64) -> Void) {
        var scalars: [UInt32] = []
        scalars.reserveCapacity(longestPiecedWord + 2)
        var previous: UInt64?
        for word in words {
            body(mix(word.key, wordTag))
            if let previous { body(mix(previous &* StableHash.prime ^ word.key, pairTag)) }
            previous = word.key
            scalars.removeAll(keepingCapacity: true)
            scalars.append(edge)
            for scalar in word.squeezed.unicodeScalars {
                scalars.append(scalar.value)
                if scalars.count > longestPiecedWord + 1 { break }
            }
            guard scalars.count <= longestPiecedWord + 1 else { continue }
            scalars.append(end)
            for start in scalars.indices {
                var hash = StableHash.seed
                for (length, index) in (start..<min(start + longestPiece, scalars.count)).enumerated() {
                    hash = (hash ^ UInt64(scalars[index])) &* StableHash.prime
                    if length + 1 >= shortestPiece { body(mix(hash, UInt64(length))) }
                }
            }
        }
    }

    /// Spreads FNV's weak low bits (the model keeps only those) across the word (SplitMix64's finaliser).
    private static func mix(_ hash: UInt64, _ tag: UInt64) -> UInt64 {
        var value = hash ^ tag
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
