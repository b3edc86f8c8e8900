/// The on-disk shape of `toxicity-model.json` (format `linear-svm-tfidf/1`).
struct ToxicityModelFile: Decodable {
    struct Tokenizer: Decodable {
        var lowercase: Bool
        var tokenPattern: String
        var stopWords: [String]
    }

    struct TFIDF: Decodable {
        var norm: String
        var sublinearTf: Bool
    }

    struct Fold: Decodable {
        var intercept: Double
        var a: Double
        var b: Double
        var coef: [Double]
    }

    var format: String
    var tokenizer: Tokenizer
    var tfidf: TFIDF
    var vocabulary: [String]
    var idf: [Double]
    var folds: [Fold]
}
