/// What the spam checks read from a message as written (links, capitals, runs of one symbol), gathered in
/// one pass over its scalars rather than one pass each.
struct TextShape {
    /// `http://`, `https://` and `www.` starts, case-insensitively.
    private(set) var links = 0
    private(set) var uppercase = 0
    /// Cased letters (upper and lower case).
    private(set) var casedLetters = 0
    /// The longest run of one scalar repeated, letters and digits aside: "1111 1111" is a number, and
    /// "aaaa…" is noise the normaliser already folds for matching.
    private(set) var longestSymbolRun = 0

    init(_ text: String) {
        var window: UInt64 = 0  // the last eight ASCII bytes, lower-cased; 0x80 stands for any other scalar
        var run = 0
        var previous: Unicode.Scalar?
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x80 {
                let byte = UInt64(value >= 0x41 && value <= 0x5A ? value | 0x20 : value)
                if byte != UInt64(value) { uppercase += 1 }
                if byte >= 0x61 && byte <= 0x7A { casedLetters += 1 }
                window = (window << 8) | byte
                if window & 0xFF_FFFF == 0x3A_2F2F {  // "://"
                    links += 1
                } else if window & 0xFFFF_FFFF == 0x7777_772E, !Self.isWordByte(window >> 32 & 0xFF) {  // "www." not inside a word
                    links += 1
                }
            } else {
                window = (window << 8) | 0x80
                let traits = ScalarTraits.of(scalar)
                if traits.contains(.uppercase) {
                    uppercase += 1
                    casedLetters += 1
                } else if traits.contains(.lowercase) {
                    casedLetters += 1
                }
            }
            if scalar == previous {
                // Asked only of repeats: the property lookup costs more than the whole loop otherwise.
                let exempt = ScalarTraits.of(scalar).contains(.letter) || (value >= 0x30 && value <= 0x39)
                run = exempt ? 1 : run + 1
            } else {
                run = 1
            }
            previous = scalar
            longestSymbolRun = max(longestSymbolRun, run)
        }
    }

    private static func isWordByte(_ byte: UInt64) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
    }
}
