import Foundation

/// Quality and latency of a moderator on the labelled evaluation set.
public enum ModerationBenchmark {
    public struct CategoryScore: Sendable {
        public var category: String
        public var expected: Int
        public var predicted: Int
        public var correct: Int
        public var precision: Double { predicted == 0 ? 1 : Double(correct) / Double(predicted) }
        public var recall: Double { expected == 0 ? 1 : Double(correct) / Double(expected) }
    }

    public struct Report: Sendable, CustomStringConvertible {
        public var lines: Int
        /// Per category; a line's predicted category is its verdict's primary reason (`benign` when allowed).
        public var categories: [CategoryScore]
        /// Insult, threat, profanity and toxicity taken together: flagged with any of them or not.
        public var toxicPrecision: Double
        public var toxicRecall: Double
        /// Share of personal-data lines whose verdict carries the expected `pii.*` reason.
        public var personalDataRecall: Double
        /// Share of benign lines not delivered as they are.
        public var benignFalsePositiveRate: Double
        /// Share of lines with exactly the expected action.
        public var actionAccuracy: Double
        /// Lines whose action or primary category differed from the label, for tuning.
        public var misses: [String]
        /// Every line screened `iterations` times.
        public var latency: LatencySummary
        /// One 200-character message screened many times.
        public var latency200: LatencySummary

        public var description: String {
            func percent(_ value: Double) -> String { String(format: "%.1f%%", value * 100) }
            var text = "moderation benchmark: \(lines) lines\n"
            text += "category            expected predicted correct precision recall\n"
            for score in categories {
                text += score.category.padding(toLength: 20, withPad: " ", startingAt: 0)
                text += String(format: "%8d %9d %7d %9.3f %6.3f\n", score.expected, score.predicted, score.correct, score.precision, score.recall)
            }
            text += "toxic (insult+threat+profanity+toxicity): precision \(String(format: "%.3f", toxicPrecision)), recall \(String(format: "%.3f", toxicRecall))\n"
            text += "personal data recall: \(String(format: "%.3f", personalDataRecall))\n"
            text += "benign false positives: \(percent(benignFalsePositiveRate))\n"
            text += "action accuracy: \(percent(actionAccuracy))\n"
            text += "latency per line: \(latency)\n"
            text += "latency 200 chars: \(latency200)\n"
            if !misses.isEmpty { text += "misses:\n" + misses.map { "  " + $0 }.joined(separator: "\n") + "\n" }
            return text
        }
    }

    static let toxicCategories: Set<String> = ["insult", "threat", "profanity", "toxicity"]

    /// A 200-character mentoring message with nothing to find: the common case the latency budget is for.
    static let message200: String = {
        let text = "Hi! Could you look at my essay draft before Thursday? I rewrote the introduction, added two sources "
            + "on climate policy and I am not sure the conclusion works. Also, can we move our call to five? Thanks a lot!"
        return String(text.prefix(200))
    }()

    public static func run(pipeline: any MessageModerator, setPath: String, iterations: Int = 200, iterations200: Int = 20_000) throws -> Report {
        let set = try EvaluationSet(path: setPath)
        let run = UUID().uuidString  // users unique to this run, so earlier runs' history does not count
        var verdicts: [Verdict] = []
        for line in set.lines {
            let user = "\(run)-" + (line.user ?? "line\(line.number)")
            verdicts.append(pipeline.screen(line.text, context: ModerationContext(org: "eval", room: "eval", user: user)))
        }
        var report = score(set.lines, verdicts)
        report.latency = measure(set.lines.map(\.text), pipeline: pipeline, iterations: iterations, run: run)
        report.latency200 = measure([message200], pipeline: pipeline, iterations: iterations200, run: run)
        return report
    }

    private static func score(_ lines: [EvaluationSet.Line], _ verdicts: [Verdict]) -> Report {
        var expected: [String: Int] = [:]
        var predicted: [String: Int] = [:]
        var correct: [String: Int] = [:]
        var toxic = (expected: 0, predicted: 0, both: 0)
        var personal = (lines: 0, found: 0)
        var benign = (lines: 0, flagged: 0)
        var exactActions = 0
        var misses: [String] = []
        for (line, verdict) in zip(lines, verdicts) {
            let category = verdict.primaryReason ?? EvaluationSet.benign
            expected[line.category, default: 0] += 1
            predicted[category, default: 0] += 1
            if category == line.category { correct[category, default: 0] += 1 }
            if verdict.action == line.action { exactActions += 1 }
            if category != line.category || verdict.action != line.action {
                let toxicity = verdict.scores["toxicity"].map { String(format: " toxicity %.3f", $0) } ?? ""
                misses.append("\(line.number): expected \(line.action.rawValue)/\(line.category), got \(verdict.action.rawValue)/\(verdict.reasons)\(toxicity): \(line.text)")
            }
            let expectedToxic = toxicCategories.contains(line.category)
            let predictedToxic = toxicCategories.contains(category)
            if expectedToxic { toxic.expected += 1 }
            if predictedToxic { toxic.predicted += 1 }
            if expectedToxic && predictedToxic { toxic.both += 1 }
            if line.category.hasPrefix("pii.") {
                personal.lines += 1
                if verdict.reasons.contains(line.category) { personal.found += 1 }
            }
            if line.category == EvaluationSet.benign {
                benign.lines += 1
                if verdict.action != .allow { benign.flagged += 1 }
            }
        }
        let categories = Set(expected.keys).union(predicted.keys).sorted().map {
            CategoryScore(category: $0, expected: expected[$0] ?? 0, predicted: predicted[$0] ?? 0, correct: correct[$0] ?? 0)
        }
        func ratio(_ part: Int, _ whole: Int, empty: Double) -> Double { whole == 0 ? empty : Double(part) / Double(whole) }
        return Report(
            lines: lines.count, categories: categories,
            toxicPrecision: ratio(toxic.both, toxic.predicted, empty: 1), toxicRecall: ratio(toxic.both, toxic.expected, empty: 1),
            personalDataRecall: ratio(personal.found, personal.lines, empty: 1),
            benignFalsePositiveRate: ratio(benign.flagged, benign.lines, empty: 0),
            actionAccuracy: ratio(exactActions, lines.count, empty: 1), misses: misses,
            latency: LatencySummary(microseconds: []), latency200: LatencySummary(microseconds: []))
    }

    /// Times each `screen` call on its own; every iteration speaks as a different user so that repeat
    /// detection does not change the path being measured (and the bounded history's eviction is exercised).
    private static func measure(_ texts: [String], pipeline: any MessageModerator, iterations: Int, run: String) -> LatencySummary {
        let contexts = (0..<iterations).map { ModerationContext(org: "eval", room: "eval", user: "\(run)-bench\($0)") }
        let clock = ContinuousClock()
        var samples: [Double] = []
        samples.reserveCapacity(texts.count * iterations)
        for text in texts {
            for context in contexts {
                let start = clock.now
                let verdict = pipeline.screen(text, context: context)
                let elapsed = start.duration(to: clock.now)
                samples.append(Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12)
                withExtendedLifetime(verdict) {}
            }
        }
        return LatencySummary(microseconds: samples)
    }
}
