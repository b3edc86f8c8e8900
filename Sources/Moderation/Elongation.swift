/// Letters repeated for emphasis or evasion ("iiiidiot", "fuuuck"), matched without losing real doubles ("kill", "class").
///
/// A text word matches a listed word when it can be written from it by repeating some of its letters:
/// same letters in the same order, each run at least as long. "asss" matches "ass"; "as" does not.
enum Elongation {
    /// Each run of one repeated character reduced to one: "iiiidiot" → "idiot", "kill" → "kil".
    static func squeezed(_ word: String) -> String {
        squeezed(utf8: Array(word.utf8)[...]).map { String(decoding: $0, as: UTF8.self) } ?? word
    }

    /// The same on a word's UTF-8 (scalar runs compared byte for byte); nil when nothing repeats (most words).
    static func squeezed(utf8 bytes: ArraySlice<UInt8>) -> [UInt8]? {
        var squeezed: [UInt8]?
        var previous = bytes.startIndex..<bytes.startIndex
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let lead = bytes[index]
            let scalar = index..<min(bytes.endIndex, index + (lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4))
            if bytes[scalar].elementsEqual(bytes[previous]) {
                if squeezed == nil { squeezed = Array(bytes[bytes.startIndex..<index]) }
            } else {
                squeezed?.append(contentsOf: bytes[scalar])
            }
            previous = scalar
            index = scalar.upperBound
        }
        return squeezed
    }

    /// Whether `word` is `base` with some runs lengthened; with `prefixOnly`, whether `word` starts so.
    static func stretches(_ word: String, _ base: String, prefixOnly: Bool = false) -> Bool {
        var wordRuns = Runs(word.unicodeScalars.makeIterator())
        var baseRuns = Runs(base.unicodeScalars.makeIterator())
        while let baseRun = baseRuns.next() {
            guard let wordRun = wordRuns.next(), wordRun.scalar == baseRun.scalar, wordRun.count >= baseRun.count else {
                return false
            }
        }
        return prefixOnly || wordRuns.next() == nil
    }

    private struct Runs: IteratorProtocol {
        var scalars: String.UnicodeScalarView.Iterator
        var pending: Unicode.Scalar?

        init(_ scalars: String.UnicodeScalarView.Iterator) {
            self.scalars = scalars
            pending = self.scalars.next()
        }

        mutating func next() -> (scalar: Unicode.Scalar, count: Int)? {
            guard let scalar = pending else { return nil }
            var count = 1
            pending = scalars.next()
            while pending == scalar {
                count += 1
                pending = scalars.next()
            }
            return (scalar, count)
        }
    }
}
