import Foundation

/// The trained offensive-language classifier (alt-profanity-check's linear SVM, exported as data).
///
/// Scoring follows the model README exactly: lower-case, tokens `\b\w\w+\b` minus stop words, term counts × idf,
/// L2-normalised, then the mean over the calibrated folds of `1 / (1 + exp(a·f + b))`.
/// Loaded once; scoring allocates nothing per token (byte-keyed vocabulary, one scratch buffer per call).
public final class ToxicityModel: Sendable {
    enum LoadError: Error, CustomStringConvertible {
        case unsupported(String)

        var description: String {
            switch self {
            case .unsupported(let what): "unsupported toxicity model: \(what)"
            }
        }
    }

    private struct Fold: Sendable {
        var intercept: Double
        var a: Double
        var b: Double
    }

    private let vocabulary: VocabularyTable
    private let idf: [Double]
    /// Token-major, so one token's weights for every fold sit together: `coefficients[index * folds.count + fold]`.
    private let coefficients: [Double]
    private let folds: [Fold]
    /// Squeezed vocabulary word → indexes, to resolve elongated words in normalised text.
    private let elongated: [String: [Int32]]
    private let words: [String]

    public convenience init(path: String) throws {
        try self.init(file: ModelFile.read(ToxicityModelFile.self, path: path))
    }

    init(file: ToxicityModelFile) throws {
        guard file.format == "linear-svm-tfidf/1" else { throw LoadError.unsupported("format \(file.format)") }
        guard file.tokenizer.tokenPattern == "(?u)\\b\\w\\w+\\b", file.tokenizer.lowercase else {
            throw LoadError.unsupported("tokenizer \(file.tokenizer.tokenPattern)")
        }
        guard file.tfidf.norm == "l2", !file.tfidf.sublinearTf else { throw LoadError.unsupported("tf-idf settings") }
        let count = file.vocabulary.count
        guard file.idf.count == count, !file.folds.isEmpty, file.folds.allSatisfy({ $0.coef.count == count }) else {
            throw LoadError.unsupported("vocabulary, idf and coefficient sizes differ")
        }
        vocabulary = VocabularyTable(words: file.vocabulary, omitted: Set(file.tokenizer.stopWords))
        idf = file.idf
        folds = file.folds.map { Fold(intercept: $0.intercept, a: $0.a, b: $0.b) }
        var interleaved = [Double](repeating: 0, count: count * file.folds.count)
        for (foldIndex, fold) in file.folds.enumerated() {
            for (index, weight) in fold.coef.enumerated() { interleaved[index * file.folds.count + foldIndex] = weight }
        }
        coefficients = interleaved
        let stopWords = Set(file.tokenizer.stopWords)
        var squeezed: [String: [Int32]] = [:]
        for (index, word) in file.vocabulary.enumerated() where !stopWords.contains(word) {
            squeezed[Elongation.squeezed(word), default: []].append(Int32(index))
        }
        elongated = squeezed
        words = file.vocabulary
    }

    /// The probability that `text` is offensive, as the reference implementation computes it (tokenising
    /// the text itself). The moderator scores normalised words instead: `probability(words:ignoring:)`.
    public func probability(_ text: String) -> Double {
        let capacity = text.utf8.count / 2 + 2
        return withUnsafeTemporaryAllocation(of: Int32.self, capacity: capacity) { hits in
            score(UnsafeMutableBufferPointer(rebasing: hits[0..<collectTerms(text, into: hits)]))
        }
    }

    /// The probability for normalised words, with elongated words resolved to the vocabulary word they
    /// stretch ("iiiidiot" → "idiot"; the reference does no such thing). `ignoring`: vocabulary indexes to
    /// drop one occurrence each of (words an allow-exception covers). The words are lower-case runs of
    /// word characters already, so each word is a token as it is: its joined text is not tokenised again.
    func probability(words: [NormalisedText.Word], ignoring: [Int32]) -> Double {
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: words.count + 1) { hits in
            var count = 0
            for word in words {
                guard let index = term(word) else { continue }
                hits[count] = index
                count += 1
            }
            count = remove(ignoring, from: hits, count: count)
            return score(UnsafeMutableBufferPointer(rebasing: hits[0..<count]))
        }
    }

    /// A word's vocabulary index, as `collectTerms` finds it for a token: two scalars at least, at most
    /// `maxTokenBytes`, else the vocabulary word it stretches.
    private func term(_ word: NormalisedText.Word) -> Int32? {
        var text = word.text
        guard text.withUTF8(Self.isToken) else { return nil }
        // Without repeats, the word's key is the hash of its text: FNV-1a over the same bytes.
        if let index = text.withUTF8({ vocabulary.index(of: $0, hash: word.hasRepeats ? nil : word.key) }) { return index }
        return word.hasRepeats ? stretchedIndex(word.text) : nil
    }

    /// Two scalars at least, and not overlong.
    private static func isToken(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let lead = bytes.first, bytes.count <= maxTokenBytes else { return false }
        return bytes.count > (lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4)
    }

    /// Longer tokens are not looked up (no vocabulary word is near this long).
    private static let maxTokenBytes = 256

    /// The vocabulary index of a single lower-case word, nil for unknown words and stop words.
    func index(of word: String) -> Int32? {
        vocabulary.index(of: word)
    }

    /// Tokenises like Python's `re.findall(r"\b\w\w+\b", text.lower())` and writes the vocabulary index of each known token.
    private func collectTerms(_ text: String, into hits: UnsafeMutableBufferPointer<Int32>) -> Int {
        let tokenCapacity = Self.maxTokenBytes
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: tokenCapacity) { token in
            var found = 0
            var length = 0
            var scalars = 0
            var overflow = false

            func finishToken() {
                defer {
                    length = 0
                    scalars = 0
                    overflow = false
                }
                guard scalars >= 2, !overflow, found < hits.count else { return }
                if let index = vocabulary.index(of: UnsafeBufferPointer(rebasing: token[0..<length])) {
                    hits[found] = index
                    found += 1
                }
            }

            for scalar in text.unicodeScalars {
                PythonWordCharacter.forEachLowercased(scalar) { lowered in
                    guard PythonWordCharacter.isWord(lowered) else {
                        finishToken()
                        return
                    }
                    scalars += 1
                    if length + UTF8.width(lowered) > tokenCapacity {
                        overflow = true
                    } else {
                        UTF8.encode(lowered) { byte in
                            token[length] = byte
                            length += 1
                        }
                    }
                }
            }
            finishToken()
            return found
        }
    }

    /// The longest vocabulary word that `word` stretches, if any.
    private func stretchedIndex(_ word: String) -> Int32? {
        guard let candidates = elongated[Elongation.squeezed(word)] else { return nil }
        var best: Int32?
        var bestLength = 0
        for candidate in candidates {
            let base = words[Int(candidate)]
            if base.utf8.count > bestLength, Elongation.stretches(word, base) {
                best = candidate
                bestLength = base.utf8.count
            }
        }
        return best
    }

    private func remove(_ ignored: [Int32], from hits: UnsafeMutableBufferPointer<Int32>, count: Int) -> Int {
        var count = count
        for index in ignored {
            guard let position = hits[0..<count].firstIndex(of: index) else { continue }
            hits[position] = hits[count - 1]
            count -= 1
        }
        return count
    }

    /// TF-IDF, L2 norm and the folds' calibrated sigmoids over the (unsorted) term indexes.
    private func score(_ hits: UnsafeMutableBufferPointer<Int32>) -> Double {
        var hits = hits
        hits.sort()
        var squaredNorm = 0.0
        forEachTerm(hits) { index, count in
            let weight = Double(count) * idf[index]
            squaredNorm += weight * weight
        }
        let norm = squaredNorm > 0 ? squaredNorm.squareRoot() : 1
        let foldCount = folds.count
        var probabilitySum = 0.0
        for (foldIndex, fold) in folds.enumerated() {
            var decision = fold.intercept
            forEachTerm(hits) { index, count in
                decision += coefficients[index * foldCount + foldIndex] * (Double(count) * idf[index] / norm)
            }
            probabilitySum += 1 / (1 + exp(fold.a * decision + fold.b))
        }
        return probabilitySum / Double(foldCount)
    }

    /// Calls `body` once per distinct index in sorted `hits`, with its count.
    @inline(__always)
    private func forEachTerm(_ hits: UnsafeMutableBufferPointer<Int32>, _ body: (Int, Int) -> Void) {
        var position = 0
        while position < hits.count {
            let index = hits[position]
            var end = position + 1
            while end < hits.count, hits[end] == index { end += 1 }
            body(Int(index), end - position)
            position = end
        }
    }
}
