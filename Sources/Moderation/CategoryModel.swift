import Foundation

/// The trained category classifier: multinomial logistic regression over `CategoryFeatures`, hashed into
/// `2^bucket_bits` buckets, with 8-bit weights (one scale per class).
///
/// For a message with `n` features (repeats counted), class `c` scores
/// `bias[c] + scale[c] · Σ weight[feature][c] / √n`, and a softmax over the classes gives probabilities.
/// Loaded once. A row holds a bucket's weights for every class in one 8-byte, aligned load, and the rows are
/// summed in a vector register after all features are hashed, so the table reads (mostly cache misses) overlap.
public final class CategoryModel: Sendable {
    struct LoadError: Error, CustomStringConvertible {
        var message: String
        var description: String { "unsupported category model: \(message)" }
    }

    /// The on-disk shape of `category-model.json` (format `hashed-ngram-softmax/1`).
    struct File: Decodable {
        var format: String
        var classes: [String]
        var bucketBits: Int
        var biases: [Double]
        var scales: [Double]
        /// Base64 of the signed 8-bit weights, bucket-major: `weights[bucket * classes.count + class]`.
        var weights: String
    }

    /// At most this many classes, so that a row fits one `SIMD8<Int8>`.
    static let maximumClasses = 8

    public let classes: [String]
    private let mask: UInt64
    private let biases: [Double]
    private let scales: [Double]
    private let rows: [SIMD8<Int8>]

    public convenience init(path: String) throws {
        try self.init(file: ModelFile.read(File.self, path: path))
    }

    init(file: File) throws {
        guard file.format == "hashed-ngram-softmax/1" else { throw LoadError(message: "format \(file.format)") }
        guard (8...24).contains(file.bucketBits) else { throw LoadError(message: "bucket_bits must lie in 8…24") }
        let count = file.classes.count
        guard (2...Self.maximumClasses).contains(count), Set(file.classes).count == count, file.biases.count == count,
            file.scales.count == count
        else {
            throw LoadError(message: "classes, biases and scales must agree, with 2 to \(Self.maximumClasses) distinct classes")
        }
        guard let bytes = Data(base64Encoded: file.weights), bytes.count == count << file.bucketBits else {
            throw LoadError(message: "weights must be base64 of \(count << file.bucketBits) bytes")
        }
        classes = file.classes
        mask = (1 << UInt64(file.bucketBits)) - 1
        biases = file.biases
        scales = file.scales
        rows = (0..<(1 << file.bucketBits)).map { bucket in
            var row = SIMD8<Int8>()
            for index in 0..<count { row[index] = Int8(bitPattern: bytes[bytes.startIndex + bucket * count + index]) }
            return row
        }
    }

    /// The index of `name` among `classes`, if the model knows it.
    public func index(of name: String) -> Int? { classes.firstIndex(of: name) }

    /// Each class's probability for the message, in `classes` order.
    func probabilities(_ words: [NormalisedText.Word]) -> [Double] {
        var buckets: [Int] = []
        buckets.reserveCapacity(words.count * 16)
        CategoryFeatures.forEach(in: words) { buckets.append(Int(truncatingIfNeeded: $0 & mask)) }
        var sums = SIMD8<Int32>()
        rows.withUnsafeBufferPointer { rows in
            for bucket in buckets { sums &+= SIMD8<Int32>(truncatingIfNeeded: rows[bucket]) }
        }
        let norm = buckets.isEmpty ? 0 : 1 / Double(buckets.count).squareRoot()
        var logits = (0..<classes.count).map { biases[$0] + scales[$0] * Double(sums[$0]) * norm }
        let top = logits.max() ?? 0
        var total = 0.0
        for index in logits.indices {
            logits[index] = exp(logits[index] - top)
            total += logits[index]
        }
        return logits.map { $0 / total }
    }
}
