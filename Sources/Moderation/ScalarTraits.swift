/// The Unicode properties the hot paths ask about, precomputed for the Basic Multilingual Plane.
///
/// The standard library answers `properties.generalCategory` and friends with table searches that cost
/// more than everything else per character; one byte per BMP scalar (64 KiB, built once) makes Hebrew
/// and other non-ASCII text as cheap to scan as ASCII. Scalars beyond the BMP ask the library.
struct ScalarTraits: OptionSet, Sendable {
    let rawValue: UInt8

    /// General category L* (Lu, Ll, Lt, Lm, Lo).
    static let letter = ScalarTraits(rawValue: 1 << 0)
    /// General category Nd.
    static let decimalDigit = ScalarTraits(rawValue: 1 << 1)
    /// Any numeric type (Python's `isnumeric`).
    static let numeric = ScalarTraits(rawValue: 1 << 2)
    /// Combining marks (Mn, Mc, Me) and format characters (Cf: zero-width, bidi controls).
    static let markOrFormat = ScalarTraits(rawValue: 1 << 3)
    static let changesWhenLowercased = ScalarTraits(rawValue: 1 << 4)
    static let uppercase = ScalarTraits(rawValue: 1 << 5)
    static let lowercase = ScalarTraits(rawValue: 1 << 6)

    static func of(_ scalar: Unicode.Scalar) -> ScalarTraits {
        let value = Int(scalar.value)
        return value < bmp.count ? ScalarTraits(rawValue: bmp[value]) : computed(scalar)
    }

    private static let bmp: [UInt8] = (0..<0x1_0000).map { value in
        guard let scalar = Unicode.Scalar(UInt32(value)) else { return 0 }  // surrogates
        return computed(scalar).rawValue
    }

    private static func computed(_ scalar: Unicode.Scalar) -> ScalarTraits {
        let properties = scalar.properties
        var traits: ScalarTraits = []
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: traits.insert(.letter)
        case .decimalNumber: traits.insert(.decimalDigit)
        case .nonspacingMark, .spacingMark, .enclosingMark, .format: traits.insert(.markOrFormat)
        default: break
        }
        if properties.numericType != nil { traits.insert(.numeric) }
        if properties.changesWhenLowercased { traits.insert(.changesWhenLowercased) }
        if properties.isUppercase { traits.insert(.uppercase) }
        if properties.isLowercase { traits.insert(.lowercase) }
        return traits
    }
}
