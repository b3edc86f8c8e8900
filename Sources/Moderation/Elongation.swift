/// Letters repeated for emphasis or evasion ("iiiidiot", "fuuuck"), matched without losing real doubles ("kill", "class").
///
/// A text word matches a listed word when it can be written from it by repeating some of its letters:
/// same letters in the same order, each run at least as long. "asss" matches "ass"; "as" does not.
enum Elongation {
    /// Each run of one repeated character reduced to one: "iiiidiot" → "idiot", "kill" → "kil".
    static func squeezed(_ word: String) -> String {
        guard hasRepeat(word) else { return word }
        var result = String.UnicodeScalarView()
        var previous: Unicode.Scalar?
        for scalar in word.unicodeScalars where scalar != previous {
            result.append(scalar)
            previous = scalar
        }
        return String(result)
    }

    static func hasRepeat(_ word: String) -> Bool {
        var previous: Unicode.Scalar?
        for scalar in word.unicodeScalars {
            if scalar == previous { return true }
            previous = scalar
        }
        return false
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
