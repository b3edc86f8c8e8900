import Foundation

/// Quality and latency of a moderator on labelled evaluation sets.
public enum ModerationBenchmark {
    public struct CategoryScore: Sendable {
        public var category: String
        public var expected: Int
        public var predicted: Int
        public var correct: Int
        public var precision: Double { predicted == 0 ? 1 : Double(correct) / Double(predicted) }
        public var recall: Double { expected == 0 ? 1 : Double(correct) / Double(expected) }
    }

    /// Flagged (anything but allow) against expected to be flagged, for a slice of the lines.
    public struct Detection: Sendable {
        public var name: String
        public var lines = 0
        public var positives = 0
        public var flagged = 0
        public var truePositives = 0
        public var benign = 0
        public var benignFlagged = 0
        /// Lines with exactly the expected action and category.
        public var exact = 0

        public var precision: Double { flagged == 0 ? 1 : Double(truePositives) / Double(flagged) }
        public var recall: Double { positives == 0 ? 1 : Double(truePositives) / Double(positives) }
        public var benignFalsePositiveRate: Double { benign == 0 ? 0 : Double(benignFlagged) / Double(benign) }
        public var exactRate: Double { lines == 0 ? 1 : Double(exact) / Double(lines) }
    }

    public struct Report: Sendable, CustomStringConvertible {
        public var lines: Int
        /// Per category; a line's predicted category is its verdict's primary reason's category (`benign`
        /// when allowed), or the reason itself where the label names one (`pii.email`).
        public var categories: [CategoryScore]
        public var overall: Detection
        public var languages: [Detection]
        /// Insult, threat, profanity and toxicity taken together: flagged with any of them or not.
        public var toxicPrecision: Double
        public var toxicRecall: Double
        /// Share of personal-data lines whose verdict carries the expected `pii.*` reason.
        public var personalDataRecall: Double
        /// Share of `sexual_minor_risk` lines held or blocked with that reason among the verdict's reasons.
        public var childSafetyRecall: Double
        /// Share of benign lines not delivered as they are.
        public var benignFalsePositiveRate: Double { overall.benignFalsePositiveRate }
        /// Share of lines with exactly the expected action.
        public var actionAccuracy: Double
        /// Lines whose action or primary category differed from the label, for tuning.
        public var misses: [String]
        /// Every line screened `iterations` times.
        public var latency: LatencySummary
        /// A 200-character message per language, from a mentor to a student in private (signals and their
        /// conversation history included).
        public var latency200: [(language: String, summary: LatencySummary)]

        public var description: String {
            func percent(_ value: Double) -> String { String(format: "%.1f%%", value * 100) }
            func ratio(_ value: Double) -> String { String(format: "%.3f", value) }
            var text = "moderation benchmark: \(lines) lines\n"
            text += "category            expected predicted correct precision recall\n"
            for score in categories {
                text += score.category.padding(toLength: 20, withPad: " ", startingAt: 0)
                text += String(format: "%8d %9d %7d %9.3f %6.3f\n", score.expected, score.predicted, score.correct, score.precision, score.recall)
            }
            text += "slice     lines positives precision recall benign-fp exact\n"
            for slice in [overall] + languages {
                text += slice.name.padding(toLength: 8, withPad: " ", startingAt: 0)
                text += String(format: "%7d %9d %9.3f %6.3f ", slice.lines, slice.positives, slice.precision, slice.recall)
                text += percent(slice.benignFalsePositiveRate).leftPadded(9) + " " + percent(slice.exactRate).leftPadded(5) + "\n"
            }
            text += "child safety recall: \(ratio(childSafetyRecall))\n"
            text += "toxic (insult+threat+profanity+toxicity): precision \(ratio(toxicPrecision)), recall \(ratio(toxicRecall))\n"
            text += "personal data recall: \(ratio(personalDataRecall))\n"
            text += "benign false positives: \(percent(benignFalsePositiveRate))\n"
            text += "action accuracy: \(percent(actionAccuracy))\n"
            text += "latency per line: \(latency)\n"
            for (language, summary) in latency200 { text += "latency 200 chars \(language): \(summary)\n" }
            if !misses.isEmpty { text += "misses:\n" + misses.map { "  " + $0 }.joined(separator: "\n") + "\n" }
            return text
        }
    }

    static let toxicCategories: Set<String> = ["insult", "threat", "profanity", "toxicity"]
    static let childSafety = "sexual_minor_risk"

    /// 200-character mentoring messages, one per language, each with one weak child-safety signal (an age
    /// question) so that the signal stage and its conversation history are part of what is timed.
    static let messages200: [(EvaluationSet.Language, String)] = [
        (.en, "Hi! Could you look at my essay draft before Thursday? I rewrote the introduction and added two sources "
            + "on climate policy. How old are you by the way, for the form? Also, can we move our call to five? Thanks!"),
        (.he, "היי! תוכל לעבור על הטיוטה של החיבור שלי לפני יום חמישי? כתבתי מחדש את הפתיחה והוספתי שני מקורות על "
            + "מדיניות אקלים. בן כמה אתה, בשביל הטופס? ואפשר להזיז את השיחה שלנו לחמש? תודה רבה, נתראה בשבוע הבא!"),
        (.ar, "مرحبا! هل يمكنك مراجعة مسودة مقالي قبل يوم الخميس؟ أعدت كتابة المقدمة وأضفت مصدرين عن سياسة المناخ. "
            + "كم عمرك بالمناسبة، من أجل الاستمارة؟ وهل يمكن أن نؤجل مكالمتنا إلى الخامسة؟ شكرا جزيلا لك!"),
    ]

    /// The labelled sets shipped with a moderation directory: every `.tsv` in its `eval/`.
    public static func evaluationSets(in moderationDirectory: String) throws -> [String] {
        try EvaluationSet.files(in: URL(fileURLWithPath: moderationDirectory).appendingPathComponent("eval").path)
    }

    /// Screens every line of `setPaths` in order, scores the verdicts and times the pipeline.
    public static func run(pipeline: any MessageModerator, setPaths: [String], iterations: Int = 200, iterations200: Int = 20_000) throws -> Report {
        let set = try EvaluationSet(paths: setPaths)
        let run = UUID().uuidString  // users unique to this run, so earlier runs' history does not count
        let verdicts = set.lines.map { line in
            let sender = line.user.map { "\(line.file)-\($0)" } ?? "\(line.file)-line\(line.number)"
            return pipeline.screen(line.text, context: context(for: line, user: "\(run)-\(sender)"))
        }
        var report = score(set.lines, verdicts)
        report.latency = measure(set.lines.map(\.text), pipeline: pipeline, iterations: iterations, run: run)
        report.latency200 = messages200.map { language, text in
            (language.rawValue, measure([String(text.prefix(200))], pipeline: pipeline, iterations: iterations200, run: run))
        }
        return report
    }

    static func context(for line: EvaluationSet.Line, user: String) -> ModerationContext {
        let audience: ModerationContext.Audience = switch line.audience {
        case nil: .unknown
        case EvaluationSet.group?: .group
        case let role?: .direct(peer: user + "-peer", peerRole: role)
        }
        return ModerationContext(org: "eval", room: "eval", user: user, role: line.role, audience: audience)
    }

    /// The verdict's label to compare with `expected`: the reason itself where the label names one (`pii.email`).
    private static func predictedLabel(_ verdict: Verdict, expected: String) -> String {
        guard let reason = verdict.primaryReason else { return EvaluationSet.benign }
        return expected.contains(".") ? reason : Verdict.category(of: reason)
    }

    private static func score(_ lines: [EvaluationSet.Line], _ verdicts: [Verdict]) -> Report {
        var expected: [String: Int] = [:]
        var predicted: [String: Int] = [:]
        var correct: [String: Int] = [:]
        var overall = Detection(name: "overall")
        var languages = Dictionary(uniqueKeysWithValues: EvaluationSet.Language.allCases.map { ($0, Detection(name: $0.rawValue)) })
        var toxic = (expected: 0, predicted: 0, both: 0)
        var personal = (lines: 0, found: 0)
        var childSafety = (lines: 0, found: 0)
        var exactActions = 0
        var misses: [String] = []
        for (line, verdict) in zip(lines, verdicts) {
            let label = predictedLabel(verdict, expected: line.category)
            expected[line.category, default: 0] += 1
            predicted[label, default: 0] += 1
            if label == line.category { correct[label, default: 0] += 1 }
            if verdict.action == line.action { exactActions += 1 }
            let exact = label == line.category && verdict.action == line.action
            if !exact {
                let scores = verdict.scores.sorted { $0.key < $1.key }.map { " \($0.key) " + String(format: "%.3f", $0.value) }.joined()
                misses.append("\(line.file):\(line.number): expected \(line.action.rawValue)/\(line.category), got \(verdict.action.rawValue)/\(verdict.reasons)\(scores): \(line.text)")
            }
            overall.count(line, verdict, exact: exact)
            languages[line.language]?.count(line, verdict, exact: exact)
            let expectedToxic = toxicCategories.contains(line.category)
            let predictedToxic = toxicCategories.contains(label)
            if expectedToxic { toxic.expected += 1 }
            if predictedToxic { toxic.predicted += 1 }
            if expectedToxic && predictedToxic { toxic.both += 1 }
            if line.category.hasPrefix("pii.") {
                personal.lines += 1
                if verdict.reasons.contains(line.category) { personal.found += 1 }
            }
            if line.category == Self.childSafety {
                childSafety.lines += 1
                if verdict.action >= .hold && verdict.reasons.contains(Self.childSafety) { childSafety.found += 1 }
            }
        }
        let categories = Set(expected.keys).union(predicted.keys).sorted().map {
            CategoryScore(category: $0, expected: expected[$0] ?? 0, predicted: predicted[$0] ?? 0, correct: correct[$0] ?? 0)
        }
        func ratio(_ part: Int, _ whole: Int) -> Double { whole == 0 ? 1 : Double(part) / Double(whole) }
        return Report(
            lines: lines.count, categories: categories, overall: overall,
            languages: EvaluationSet.Language.allCases.compactMap { languages[$0] }.filter { $0.lines > 0 },
            toxicPrecision: ratio(toxic.both, toxic.predicted), toxicRecall: ratio(toxic.both, toxic.expected),
            personalDataRecall: ratio(personal.found, personal.lines), childSafetyRecall: ratio(childSafety.found, childSafety.lines),
            actionAccuracy: ratio(exactActions, lines.count), misses: misses,
            latency: LatencySummary(microseconds: []), latency200: [])
    }

    /// Times each `screen` call on its own; every iteration speaks as a different mentor to a different
    /// student, so repeat detection and conversation history do not change the path being measured (and the
    /// bounded histories' eviction is exercised).
    private static func measure(_ texts: [String], pipeline: any MessageModerator, iterations: Int, run: String) -> LatencySummary {
        let contexts = (0..<iterations).map {
            ModerationContext(
                org: "eval", room: "eval", user: "\(run)-bench\($0)", role: "mentor", audience: .direct(peer: "\(run)-student\($0)", peerRole: "student"))
        }
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

extension ModerationBenchmark.Detection {
    fileprivate mutating func count(_ line: EvaluationSet.Line, _ verdict: Verdict, exact: Bool) {
        lines += 1
        let positive = line.action != .allow
        let isFlagged = verdict.action != .allow
        if positive { positives += 1 }
        if isFlagged { flagged += 1 }
        if positive && isFlagged { truePositives += 1 }
        if line.category == EvaluationSet.benign {
            benign += 1
            if isFlagged { benignFlagged += 1 }
        }
        if exact { self.exact += 1 }
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
