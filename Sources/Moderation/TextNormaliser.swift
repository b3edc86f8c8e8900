import Foundation

/// Turns a message into the words the matching stages compare: NFKC compatibility forms, case folded,
/// without zero-width or combining marks, look-alikes and leetspeak folded, spaced letters joined.
///
/// NFKD is used rather than NFKC so that combining marks separate from their letters and can be dropped
/// ("ídiot" → "idiot"); after the marks are gone the two agree. Pure ASCII text (most messages) skips it
/// and is scanned byte by byte.
enum TextNormaliser {
    /// A spaced-out word needs at least this many single letters ("i d i o t"; "i e" stays two words).
    static let minimumSpacedLetters = 3
    /// The longest gap ("i . d") still read as spacing inside one word.
    static let maximumSpacingGap = 3

    static func normalise(_ text: String) -> NormalisedText {
        var tokens = TokenBuilder(capacity: text.utf8.count)
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            for byte in text.utf8 { tokens.add(Unicode.Scalar(byte)) }
        } else {
            // Hebrew, Arabic and emoji (most non-Latin messages here): NFKD would return them as they are,
            // so they are folded as they come until a scalar that NFKD would change, if any.
            var decomposes = false
            for scalar in text.unicodeScalars {
                guard isUnchangedByDecomposition(scalar) else {
                    decomposes = true
                    break
                }
                addFolded(CharacterFolding.arabicHamzaCarrier(scalar) ?? scalar, to: &tokens)
            }
            if decomposes {
                tokens = TokenBuilder(capacity: text.utf8.count)
                for scalar in text.decomposedStringWithCompatibilityMapping.unicodeScalars { addFolded(scalar, to: &tokens) }
            }
        }
        tokens.finish()
        return NormalisedText(words: words(tokens))
    }

    /// Scalars NFKD leaves alone: Hebrew, Arabic letters without hamza forms (`arabicHamzaCarrier` folds
    /// those the same way), and emoji. Anything else takes the Foundation path.
    private static func isUnchangedByDecomposition(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0..<0x80, 0x0590...0x05FF, 0x1F300...0x1FAFF, 0xFE0F: true
        case 0x0622...0x0626: true
        case 0x0600...0x06BF, 0x06C3...0x06D2, 0x06D4...0x06FF: !(0x0675...0x0678).contains(scalar.value)
        default: false
        }
    }

    /// Drops marks, format characters and tatweel; lower-cases (with ß → ss); folds look-alikes and letter forms.
    private static func addFolded(_ scalar: Unicode.Scalar, to tokens: inout TokenBuilder) {
        if scalar.isASCII {
            tokens.add(scalar)
            return
        }
        // Hebrew and Arabic letters (most non-ASCII text here) are uncased letters without look-alikes:
        // only their letter forms fold. Tatweel (U+0640) is not among them.
        switch scalar.value {
        case 0x05D0...0x05EA, 0x0621...0x063A, 0x0641...0x064A:
            tokens.add(CharacterFolding.letterVariant(scalar) ?? scalar, traits: .letter)
            return
        default: break
        }
        let traits = ScalarTraits.of(scalar)
        // Combining marks, zero-width and bidi controls vanish without splitting a word.
        if traits.contains(.markOrFormat) { return }
        if scalar == "ß" || scalar == "ẞ" {
            tokens.add("s")
            tokens.add("s")
            return
        }
        guard traits.contains(.changesWhenLowercased) else {
            if CharacterFolding.isStretcher(scalar) { return }
            // A look-alike or letter variant is a letter as the scalar is: its traits stand for the fold's.
            tokens.add(CharacterFolding.lookAlike(scalar) ?? CharacterFolding.letterVariant(scalar) ?? scalar, traits: traits)
            return
        }
        for lowered in scalar.properties.lowercaseMapping.unicodeScalars {
            tokens.add(CharacterFolding.lookAlike(lowered) ?? lowered)
        }
    }

    /// Joins spaced single letters and applies leetspeak inside words that have a letter ("1d10t" → "idiot");
    /// numbers stay numbers ("455").
    private static func words(_ tokens: TokenBuilder) -> [NormalisedText.Word] {
        var words: [NormalisedText.Word] = []
        words.reserveCapacity(tokens.tokens.count)
        var index = 0
        let list = tokens.tokens
        while index < list.count {
            var end = index
            if list[index].scalars == 1 {
                while end + 1 < list.count, list[end + 1].scalars == 1, list[end + 1].spacedFromPrevious { end += 1 }
            }
            let collapsed = end - index + 1 >= minimumSpacedLetters
            if !collapsed { end = index }
            if let word = word(tokens.bytes[list[index].bytes.lowerBound..<list[end].bytes.upperBound], collapsed: collapsed) {
                words.append(word)
            }
            index = end + 1
        }
        return words
    }

    private static func word(_ bytes: ArraySlice<UInt8>, collapsed: Bool) -> NormalisedText.Word? {
        var hasLetter = false
        var hasLeet = false
        for byte in bytes {
            if byte < 0x80, CharacterFolding.leet(Unicode.Scalar(byte)) != nil { hasLeet = true } else { hasLetter = true }
        }
        let folded = hasLeet ? unleet(bytes, hasLetter: hasLetter) : bytes
        guard !folded.isEmpty else { return nil }
        let text = String(decoding: folded, as: UTF8.self)
        guard let squeezed = Elongation.squeezed(utf8: folded) else {
            return NormalisedText.Word(text: text, squeezed: text, isCollapsed: collapsed, keys: WordKeys.of(folded))
        }
        return NormalisedText.Word(
            text: text, squeezed: String(decoding: squeezed, as: UTF8.self), isCollapsed: collapsed, keys: WordKeys.of(squeezed))
    }

    /// Leetspeak read as letters inside a word that has a letter; in one that has none (a number, "$$$"),
    /// the symbols dropped and the digits kept.
    private static func unleet(_ bytes: ArraySlice<UInt8>, hasLetter: Bool) -> ArraySlice<UInt8> {
        var folded = bytes
        if hasLetter {
            for index in folded.indices where folded[index] < 0x80 {
                if let letter = CharacterFolding.leet(Unicode.Scalar(folded[index])) { folded[index] = UInt8(letter.value) }
            }
        } else {
            folded.removeAll { CharacterFolding.isLeetSymbol(Unicode.Scalar($0)) }
        }
        return folded
    }
}

/// Splits folded scalars into runs of letters, digits and leet symbols, as UTF-8 in one shared buffer,
/// remembering whether the gap before each was mere spacing (for "i d i o t").
struct TokenBuilder {
    struct Token {
        var bytes: Range<Int>
        var scalars: Int
        var spacedFromPrevious: Bool
    }

    private(set) var bytes: [UInt8] = []
    private(set) var tokens: [Token] = []
    private var start = 0
    private var scalars = 0
    private var gapLength = 0
    private var gapIsSpacing = false

    init(capacity: Int) {
        bytes.reserveCapacity(capacity)
        tokens.reserveCapacity(capacity / 4 + 1)
    }

    /// `traits`: the scalar's, when the caller has looked them up already.
    mutating func add(_ scalar: Unicode.Scalar, traits: ScalarTraits? = nil) {
        if scalar.isASCII {
            var byte = UInt8(scalar.value)
            if byte >= 0x41 && byte <= 0x5A { byte |= 0x20 }
            if (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || CharacterFolding.isLeetSymbol(Unicode.Scalar(byte)) {
                bytes.append(byte)
                scalars += 1
            } else {
                separator(isSpacing: byte == 0x20 || byte == 0x2E || byte == 0x2D || byte == 0x5F || byte == 0x09)
            }
            return
        }
        if (traits ?? ScalarTraits.of(scalar)).isDisjoint(with: [.letter, .decimalDigit]) {
            separator(isSpacing: false)
        } else {
            UTF8.encode(scalar) { bytes.append($0) }
            scalars += 1
        }
    }

    private mutating func separator(isSpacing: Bool) {
        if scalars > 0 { finish() }
        gapLength += 1
        if !isSpacing { gapIsSpacing = false }
    }

    mutating func finish() {
        // A trailing "!" is punctuation, not an i.
        while scalars > 0, let last = bytes.last, last == UInt8(ascii: "!") || last == UInt8(ascii: "|") {
            bytes.removeLast()
            scalars -= 1
            gapIsSpacing = false
        }
        if scalars > 0 {
            let spaced = !tokens.isEmpty && gapIsSpacing && gapLength <= TextNormaliser.maximumSpacingGap
            tokens.append(Token(bytes: start..<bytes.count, scalars: scalars, spacedFromPrevious: spaced))
            gapLength = 0
            gapIsSpacing = true
        }
        start = bytes.count
        scalars = 0
    }
}
