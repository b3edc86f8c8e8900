import XCTest
@testable import Moderation

/// Runs the benchmark on the labelled set and prints its report; asserts quality, never timing.
final class EvaluationSetTests: XCTestCase {
    func testEvaluationSet() throws {
        let pipeline = try Fixtures.repositoryPipeline()
        let report = try ModerationBenchmark.run(
            pipeline: pipeline, setPaths: [Fixtures.repositoryConfig + "/eval/labelled.tsv"], iterations: 3, iterations200: 200)
        print(report)
        XCTAssertGreaterThanOrEqual(report.lines, 300)
        XCTAssertEqual(report.personalDataRecall, 1.0)
        XCTAssertLessThanOrEqual(report.benignFalsePositiveRate, 0.02)
        XCTAssertGreaterThanOrEqual(report.toxicRecall, 0.9)
        XCTAssertGreaterThanOrEqual(report.toxicPrecision, 0.9)
    }

    func testEverySetLineParses() throws {
        let set = try EvaluationSet(paths: [Fixtures.repositoryConfig + "/eval/labelled.tsv"])
        let categories = Set(set.lines.map(\.category))
        for category in ["benign", "insult", "threat", "self_harm", "profanity", "toxicity", "pii.email", "pii.phone", "pii.card", "pii.il_id"] {
            XCTAssertTrue(categories.contains(category), category)
        }
    }
}
