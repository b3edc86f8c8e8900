import XCTest
@testable import Moderation

/// Runs the benchmark on the shipped labelled sets and prints its report; asserts quality, never timing.
/// The targets hold on the sets the lists were tuned on; the held-out sets are scored, not asserted
/// (docs/moderation.md, Tuning).
final class EvaluationSetTests: XCTestCase {
    func testEvaluationSets() throws {
        let pipeline = try Fixtures.repositoryPipeline()
        let report = try ModerationBenchmark.run(
            pipeline: pipeline, setPaths: try ModerationBenchmark.evaluationSets(in: Fixtures.repositoryConfig), iterations: 3, iterations200: 200)
        print(report)
        XCTAssertGreaterThanOrEqual(report.lines, 800)
        XCTAssertEqual(report.personalDataRecall, 1.0)
        XCTAssertLessThanOrEqual(report.benignFalsePositiveRate, 0.01)
        XCTAssertGreaterThanOrEqual(report.overall.recall, 0.95)
        XCTAssertGreaterThanOrEqual(report.overall.precision, 0.95)
        XCTAssertGreaterThanOrEqual(report.childSafetyRecall, 0.98)
        for language in report.languages {
            XCTAssertGreaterThanOrEqual(language.recall, 0.95, language.name)
            XCTAssertLessThanOrEqual(language.benignFalsePositiveRate, 0.01, language.name)
        }
    }

    func testEverySetLineParses() throws {
        let holdout = try EvaluationSet.files(in: Fixtures.repositoryConfig + "/holdout")
        let set = try EvaluationSet(paths: try ModerationBenchmark.evaluationSets(in: Fixtures.repositoryConfig) + holdout)
        let categories = Set(set.lines.map(\.category))
        for category in [
            "benign", "insult", "threat", "self_harm", "profanity", "toxicity", "pii.email", "pii.phone", "pii.card", "pii.il_id",
            "sexual_minor_risk", "harassment", "hate",
        ] {
            XCTAssertTrue(categories.contains(category), category)
        }
        XCTAssertEqual(Set(set.lines.map(\.language)), [.en, .he, .ar])
        XCTAssertTrue(set.lines.contains { $0.role == "mentor" && $0.audience == "student" })
        XCTAssertTrue(set.lines.contains { $0.audience == EvaluationSet.group })
    }

    func testABadContextSuffixIsAClearError() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).tsv").path
        try "allow\tbenign\tm1@mentor\thello\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try EvaluationSet(paths: [path])) { error in
            XCTAssertTrue("\(error)".contains("@FROM>TO"), "\(error)")
        }
    }
}
