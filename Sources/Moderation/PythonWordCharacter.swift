/// Python `re`'s Unicode `\w` and `str.lower()`, which the model's tokenizer (`\b\w\w+\b`) was trained with.
enum PythonWordCharacter {
    /// `\w` in Python: `str.isalnum()` (letters L*, or any numeric type) or underscore. Combining marks are not.
    static func isWord(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 {
            return (value >= 0x61 && value <= 0x7A) || (value >= 0x41 && value <= 0x5A) || (value >= 0x30 && value <= 0x39)
                || value == 0x5F
        }
        return !ScalarTraits.of(scalar).isDisjoint(with: [.letter, .numeric])
    }

    /// Calls `body` with each scalar of the full lower-case mapping of `scalar` (as `str.lower()` does).
    @inline(__always)
    static func forEachLowercased(_ scalar: Unicode.Scalar, _ body: (Unicode.Scalar) -> Void) {
        let value = scalar.value
        if value < 0x80 {
            body(value >= 0x41 && value <= 0x5A ? Unicode.Scalar(UInt8(value + 0x20)) : scalar)
        } else if !ScalarTraits.of(scalar).contains(.changesWhenLowercased) {
            body(scalar)
        } else {
            for lowered in scalar.properties.lowercaseMapping.unicodeScalars { body(lowered) }
        }
    }
}
