import Foundation
import XCTest
@testable import Moderation

final class CategoryModelTests: XCTestCase {
    private struct Checks: Decodable {
        struct Check: Decodable {
            var line: String
            var probabilities: [Double]
        }

        var checks: [Check]
    }

    private static let trainingDirectory = URL(fileURLWithPath: Fixtures.repositoryConfig)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("training/moderation").path

    /// The trainer stores a line of each class with the probabilities it computed; the server reads the same
    /// training line, computes its own features and must agree: serving and training share one definition.
    func testTheServerReproducesTheTrainersProbabilities() throws {
        let model = try Fixtures.categories()
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.repositoryConfig + "/category-model.json"))
        let checks = try JSONDecoder().decode(Checks.self, from: data).checks
        XCTAssertEqual(checks.count, model.classes.count)
        let set = try EvaluationSet(paths: try EvaluationSet.files(in: Self.trainingDirectory))
        for check in checks {
            let line = try XCTUnwrap(set.lines.first { "\($0.file):\($0.number)" == check.line }, check.line)
            let probabilities = model.probabilities(TextNormaliser.normalise(line.text).words)
            XCTAssertEqual(probabilities.count, check.probabilities.count)
            for (mine, theirs) in zip(probabilities, check.probabilities) {
                XCTAssertEqual(mine, theirs, accuracy: 1e-6, check.line)
            }
        }
    }

    func testProbabilitiesFormADistributionForAnyText() throws {
        let model = try Fixtures.categories()
        for text in ["", "ok", "you are an idiot", "מה קורה", "شو الأخبار", "🙂🙂🙂", String(repeating: "a", count: 5000)] {
            let probabilities = model.probabilities(TextNormaliser.normalise(text).words)
            XCTAssertEqual(probabilities.count, model.classes.count)
            XCTAssertEqual(probabilities.reduce(0, +), 1, accuracy: 1e-9, text)
            XCTAssertTrue(probabilities.allSatisfy { $0 >= 0 && $0 <= 1 }, text)
        }
        XCTAssertEqual(model.classes.first, "benign")
        for category in ["sexual_minor_risk", "threat", "self_harm", "harassment", "hate", "insult"] {
            XCTAssertNotNil(model.index(of: category), category)
        }
    }

    func testFeaturesCountEachWordPairAndPiece() {
        var count = 0
        CategoryFeatures.forEach(in: TextNormaliser.normalise("abc").words) { _ in count += 1 }
        // "^abc$": the word, no pair, pieces of 3 (3), 4 (2) and 5 (1) letters.
        XCTAssertEqual(count, 1 + 3 + 2 + 1)
        count = 0
        CategoryFeatures.forEach(in: TextNormaliser.normalise("abc abc").words) { _ in count += 1 }
        XCTAssertEqual(count, 2 * 7 + 1)
        // A "word" longer than the longest pieced one counts as a word only.
        count = 0
        CategoryFeatures.forEach(in: TextNormaliser.normalise(String(repeating: "ab", count: 40)).words) { _ in count += 1 }
        XCTAssertEqual(count, 1)
    }

    func testObfuscationsShareTheirFeaturesWithThePlainWord() {
        func features(_ text: String) -> [UInt64] {
            var hashes: [UInt64] = []
            CategoryFeatures.forEach(in: TextNormaliser.normalise(text).words) { hashes.append($0) }
            return hashes
        }
        XCTAssertEqual(features("1d10t"), features("idiot"))
        XCTAssertEqual(features("I D I O T"), features("idiot"))
        XCTAssertEqual(features("غبـــي"), features("غبي"))
    }

    func testAMalformedModelIsRefusedWithTheReason() throws {
        func load(_ json: String) throws -> CategoryModel {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            return try CategoryModel(file: decoder.decode(CategoryModel.File.self, from: Data(json.utf8)))
        }
        let weights = Data(count: 2 << 8).base64EncodedString()
        XCTAssertNoThrow(try load(#"{"format":"hashed-ngram-softmax/1","classes":["a","b"],"bucket_bits":8,"biases":[0,0],"scales":[1,1],"weights":"\#(weights)"}"#))
        let cases = [
            #"{"format":"other/1","classes":["a","b"],"bucket_bits":8,"biases":[0,0],"scales":[1,1],"weights":"\#(weights)"}"#,
            #"{"format":"hashed-ngram-softmax/1","classes":["a","b"],"bucket_bits":9,"biases":[0,0],"scales":[1,1],"weights":"\#(weights)"}"#,
            #"{"format":"hashed-ngram-softmax/1","classes":["a","a"],"bucket_bits":8,"biases":[0,0],"scales":[1,1],"weights":"\#(weights)"}"#,
            #"{"format":"hashed-ngram-softmax/1","classes":["a","b"],"bucket_bits":8,"biases":[0],"scales":[1,1],"weights":"\#(weights)"}"#,
            #"{"format":"hashed-ngram-softmax/1","classes":["a","b"],"bucket_bits":40,"biases":[0,0],"scales":[1,1],"weights":"\#(weights)"}"#,
        ]
        for json in cases {
            XCTAssertThrowsError(try load(json)) { error in
                XCTAssertTrue("\(error)".hasPrefix("unsupported category model:"), "\(error)")
            }
        }
    }
}
