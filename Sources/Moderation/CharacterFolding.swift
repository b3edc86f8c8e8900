/// Character-level folds for matching: look-alikes from other scripts, leetspeak, Hebrew and Arabic letter forms.
enum CharacterFolding {
    /// Letters that render like Latin ones (Cyrillic, Greek, dotless i …), folded to the Latin letter.
    /// NFKD has already turned accented, full-width and mathematical letters into plain ones.
    static func lookAlike(_ scalar: Unicode.Scalar) -> Unicode.Scalar? {
        // Every look-alike is below Armenian: Hebrew and Arabic text (most non-ASCII here) skips the table.
        scalar.value < lookAlikesEnd ? lookAlikes[scalar.value] : nil
    }

    private static let lookAlikesEnd: UInt32 = 0x0530

    /// Digits and symbols used for letters ("1d10t", "$hit", "@ss"); applied only inside words that have letters.
    static func leet(_ scalar: Unicode.Scalar) -> Unicode.Scalar? {
        switch scalar {
        case "0": "o"
        case "1", "!", "|": "i"
        case "3": "e"
        case "4", "@": "a"
        case "5", "$": "s"
        case "7": "t"
        case "8": "b"
        case "9": "g"
        default: nil
        }
    }

    /// Symbols that may stand for letters; other punctuation separates words.
    static func isLeetSymbol(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "!" || scalar == "|" || scalar == "@" || scalar == "$"
    }

    /// Letters written in several forms that readers take as one: Hebrew final forms (ך ם ן ף ץ) to the
    /// regular letter, so "מטומטם" and "מטומטמים" share a stem; Arabic teh marbuta to heh, alef maksura and
    /// Persian yeh to yeh, alef wasla to alef, keheh to kaf (hamza forms lose their mark in NFKD already).
    static func letterVariant(_ scalar: Unicode.Scalar) -> Unicode.Scalar? {
        switch scalar.value {
        case 0x05DA: Unicode.Scalar(0x05DB)
        case 0x05DD: Unicode.Scalar(0x05DE)
        case 0x05DF: Unicode.Scalar(0x05E0)
        case 0x05E3: Unicode.Scalar(0x05E4)
        case 0x05E5: Unicode.Scalar(0x05E6)
        case 0x0629: Unicode.Scalar(0x0647)
        case 0x0649, 0x06CC: Unicode.Scalar(0x064A)
        case 0x0671: Unicode.Scalar(0x0627)
        case 0x06A9: Unicode.Scalar(0x0643)
        default: nil
        }
    }

    /// Arabic letters carrying hamza or madda (آ أ ؤ إ ئ) as NFKD then dropping the mark reads them:
    /// the bare carrier. For text that skips NFKD.
    static func arabicHamzaCarrier(_ scalar: Unicode.Scalar) -> Unicode.Scalar? {
        switch scalar.value {
        case 0x0622, 0x0623, 0x0625: Unicode.Scalar(0x0627)
        case 0x0624: Unicode.Scalar(0x0648)
        case 0x0626: Unicode.Scalar(0x064A)
        default: nil
        }
    }

    /// Arabic tatweel stretches a word for looks ("غبـــي"); it is a letter to Unicode, noise to us.
    static func isStretcher(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value == 0x0640
    }

    private static let lookAlikes: [UInt32: Unicode.Scalar] = {
        let pairs: [(String, Unicode.Scalar)] = [
            // Cyrillic
            ("а", "a"), ("в", "b"), ("е", "e"), ("ё", "e"), ("к", "k"), ("м", "m"), ("н", "h"), ("о", "o"), ("р", "p"),
            ("с", "c"), ("т", "t"), ("у", "y"), ("х", "x"), ("і", "i"), ("ї", "i"), ("ј", "j"), ("ѕ", "s"), ("ԁ", "d"),
            ("ԛ", "q"), ("ԝ", "w"), ("ɡ", "g"),
            // Greek
            ("α", "a"), ("β", "b"), ("ε", "e"), ("η", "n"), ("ι", "i"), ("κ", "k"), ("ν", "v"), ("ο", "o"), ("ρ", "p"),
            ("τ", "t"), ("υ", "u"), ("χ", "x"), ("ω", "w"),
            // Latin letters without a decomposition
            ("ı", "i"), ("ł", "l"), ("ø", "o"), ("đ", "d"), ("ħ", "h"), ("ŧ", "t"), ("ƅ", "b"), ("ɑ", "a"), ("ɩ", "i"),
        ]
        var table: [UInt32: Unicode.Scalar] = [:]
        for (from, to) in pairs {
            if let scalar = from.unicodeScalars.first, scalar.value < lookAlikesEnd { table[scalar.value] = to }
        }
        return table
    }()
}
