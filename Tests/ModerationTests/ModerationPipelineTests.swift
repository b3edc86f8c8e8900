import XCTest
@testable import Moderation

final class ModerationPipelineTests: XCTestCase {
    func testHardNegativesPass() throws {
        let pipeline = try Fixtures.repositoryPipeline()
        let benign = [
            "kill the process", "this bug is killing me", "killer feature", "I hate this exam", "shoot me an email when done",
            "the assassin's creed essay", "Scunthorpe", "my class starts at nine", "we need to assess the risks",
            "that's a useful skill", "damn it, I failed the quiz again", "thanks for the help with algebra",
            "האף שלי סתום", "אני קצת מפגר בחומר", "בוא נשתה כוס קפה",
        ]
        for (index, text) in benign.enumerated() {
            let verdict = pipeline.screen(text, context: ModerationContext(org: "acme", room: "r", user: "user\(index)"))
            XCTAssertEqual(verdict.action, .allow, "\(text): \(verdict.reasons)")
            XCTAssertEqual(verdict.text, text)
        }
    }

    func testEveryReasonAndScoreAccumulateAndTheStrongestActionWins() throws {
        let pipeline = try Fixtures.repositoryPipeline()
        let verdict = pipeline.screen("you idiot, call 050-1234567", context: Fixtures.context)
        XCTAssertEqual(verdict.action, .block)
        XCTAssertEqual(verdict.primaryReason, "insult")
        XCTAssertTrue(verdict.reasons.contains("pii.phone"))
        XCTAssertEqual(verdict.text, "you idiot, call [phone]")
        XCTAssertNotNil(verdict.scores["toxicity"])
    }

    func testObfuscatedInsultsAreCaught() throws {
        let pipeline = try Fixtures.repositoryPipeline()
        for (index, text) in ["1d10t", "ıd!ot", "you are an іdіоt", "i d i o t", "i.d.i.o.t", "iiiidiot", "𝐢𝐝𝐢𝐨𝐭"].enumerated() {
            let verdict = pipeline.screen(text, context: ModerationContext(org: "acme", room: "r", user: "o\(index)"))
            XCTAssertEqual(verdict.action, .block, text)
            XCTAssertEqual(verdict.text, text)  // the delivered form is never the normalised one
        }
    }

    func testSelfHarmIsHeldNotBlocked() throws {
        let pipeline = try Fixtures.repositoryPipeline()
        let verdict = pipeline.screen("I want to kill myself, you idiot", context: Fixtures.context)
        XCTAssertEqual(verdict.action, .hold)
        XCTAssertEqual(verdict.primaryReason, "self_harm")
        XCTAssertTrue(verdict.reasons.contains("insult"))
    }

    func testClassifierOnNormalisedText() throws {
        let pipeline = try Fixtures.repositoryPipeline()
        let asWritten = pipeline.screen("you suck", context: Fixtures.context)
        let obfuscated = pipeline.screen("y0u suuuuck", context: ModerationContext(org: "acme", room: "r", user: "u9"))
        XCTAssertEqual(asWritten.action, .hold)
        XCTAssertEqual(obfuscated.action, .hold)
        XCTAssertEqual(obfuscated.scores["toxicity"] ?? 0, asWritten.scores["toxicity"] ?? 1, accuracy: 1e-9)
    }

    func testPerOrgOverride() throws {
        let directory = try Fixtures.configDirectory([
            "default.json": #"{"model": "\#(Fixtures.modelPath)", "toxicity": {"hold": 0.8, "block": 1.0}}"#,
            "lists/en.json": #"{"block": {"insult": ["idiot", "moron"]}, "allow": ["kill the process"]}"#,
            "orgs/strict.json": #"""
                {"toxicity": {"block": 0.97}, "block": {"insult": ["pineapple"]}, "unlist": ["moron"],
                 "stages": {"pii": false}, "rules": [{"name": "x", "pattern": "\\bbanana\\b", "reason": "custom", "action": "hold"}]}
                """#,
        ])
        let pipeline = try ModerationPipeline(directory: directory, logger: Fixtures.logger, model: Fixtures.model(), categories: nil, clock: ManualClock().read)
        func screen(_ text: String, org: String) -> Verdict {
            pipeline.screen(text, context: ModerationContext(org: org, room: "r", user: UUID().uuidString))
        }
        XCTAssertEqual(screen("you pineapple", org: "other").action, .allow)
        XCTAssertEqual(screen("you pineapple", org: "strict").action, .block)
        XCTAssertEqual(screen("moron", org: "other").action, .block)
        XCTAssertEqual(screen("moron", org: "strict").action, .block)  // unlisted, but the classifier blocks at 0.97 here
        XCTAssertEqual(screen("moron", org: "strict").reasons, ["toxicity"])
        XCTAssertEqual(screen("you suck", org: "other").action, .hold)
        XCTAssertEqual(screen("you suck", org: "strict").action, .block)
        XCTAssertEqual(screen("call 050-1234567", org: "other").action, .mask)
        XCTAssertEqual(screen("call 050-1234567", org: "strict").action, .allow)
        XCTAssertEqual(screen("a banana", org: "strict").reasons, ["custom"])
        XCTAssertEqual(screen("idiot", org: "strict").action, .block)  // default lists still apply
    }

    func testReloadAppliesChangesAndKeepsOldRulesOnABadFile() throws {
        let directory = try Fixtures.configDirectory([
            "default.json": #"{"model": "\#(Fixtures.modelPath)", "stages": {"toxicity": false}}"#,
            "lists/en.json": #"{"block": {"insult": ["idiot"]}}"#,
        ])
        let pipeline = try ModerationPipeline(directory: directory, logger: Fixtures.logger, model: Fixtures.model(), categories: nil, clock: ManualClock().read)
        XCTAssertEqual(pipeline.screen("banana", context: Fixtures.context).action, .allow)

        try Fixtures.write(#"{"block": {"insult": ["idiot", "banana"]}}"#, to: directory + "/lists/en.json")
        try pipeline.reload()
        XCTAssertEqual(pipeline.screen("banana", context: Fixtures.context).action, .block)

        for broken in [#"{"block": {"insult": ["idiot"]"#, #"{"blok": {}}"#, #"{"block": {"insult": [""]}}"#] {
            try Fixtures.write(broken, to: directory + "/lists/en.json")
            XCTAssertThrowsError(try pipeline.reload()) { error in
                XCTAssertTrue("\(error)".contains("en.json"), "\(error)")
            }
            XCTAssertEqual(pipeline.screen("banana", context: Fixtures.context).action, .block)
            XCTAssertEqual(pipeline.screen("idiot", context: Fixtures.context).action, .block)
        }
        try Fixtures.write(#"{"block": {"insult": ["idiot", "banana"]}}"#, to: directory + "/lists/en.json")
        try Fixtures.write(#"{"model": "\#(Fixtures.modelPath)", "toxicity": {"hold": 0.9, "block": 0.5}}"#, to: directory + "/default.json")
        XCTAssertThrowsError(try pipeline.reload())
        try Fixtures.write(#"{"model": "\#(Fixtures.modelPath)", "rules": [{"name": "r", "pattern": "(", "reason": "x", "action": "block"}]}"#, to: directory + "/default.json")
        XCTAssertThrowsError(try pipeline.reload())
        XCTAssertEqual(pipeline.screen("banana", context: Fixtures.context).action, .block)
    }

    /// The category classifier flags phrasings no list names, with the category as the reason; its settings
    /// are checked against the model's classes, and an org can turn it off.
    func testTheCategoryClassifierFlagsByCategoryAndChecksItsSettings() throws {
        let directory = try Fixtures.configDirectory([
            "default.json": #"{"model": "\#(Fixtures.modelPath)", "stages": {"toxicity": false, "spam": false}}"#,
            "orgs/off.json": #"{"stages": {"classifier": false}}"#,
            "orgs/strict.json": #"{"classifier": {"categories": {"threat": {"hold": 0.000001}}}}"#,
        ])
        let pipeline = try ModerationPipeline(
            directory: directory, logger: Fixtures.logger, model: Fixtures.model(), categories: Fixtures.categories(), clock: ManualClock().read)
        func screen(_ text: String, org: String) -> Verdict {
            pipeline.screen(text, context: ModerationContext(org: org, room: "r", user: UUID().uuidString))
        }
        let threat = "i know which bus you take home, you'd better watch yourself"
        XCTAssertEqual(screen(threat, org: "acme").reasons.first, "threat")
        XCTAssertNotNil(screen(threat, org: "acme").scores["classifier.threat"])
        XCTAssertEqual(screen(threat, org: "off").action, .allow)
        XCTAssertEqual(screen("thanks, see you at the library on thursday", org: "acme").action, .allow)
        XCTAssertEqual(screen("thanks, see you at the library on thursday", org: "strict").reasons, ["threat"])

        for (file, message) in [
            (#"{"classifier": {"categories": {"threats": {"hold": 0.5}}}}"#, "not one of the model's"),
            (#"{"classifier": {"categories": {"threat": {"hold": 0.9, "block": 0.5}}}}"#, "0 < hold ≤ block ≤ 1"),
            (#"{"classifier": {"count_from": 2}}"#, "count_from"),
        ] {
            try Fixtures.write(file, to: directory + "/orgs/bad.json")
            XCTAssertThrowsError(try pipeline.reload()) { error in
                XCTAssertTrue("\(error)".contains("bad.json") && "\(error)".contains(message), "\(error)")
            }
        }
    }

    func testMissingDefaultFileFailsInit() {
        XCTAssertThrowsError(try ModerationPipeline(directory: "/nonexistent/moderation", logger: Fixtures.logger))
    }

    func testPublicInitialiserLoadsTheRepositoryConfiguration() throws {
        let pipeline = try ModerationPipeline(directory: Fixtures.repositoryConfig, logger: Fixtures.logger)
        XCTAssertEqual(pipeline.screen("you are an idiot", context: Fixtures.context).action, .block)
    }

    func testConcurrentScreening() throws {
        let pipeline = try Fixtures.repositoryPipeline()
        let texts = ["hello there", "you idiot", "call 050-1234567", "!!!!!!!!!!!!", "I want to die"]
        let expected = texts.map { pipeline.screen($0, context: ModerationContext(org: "acme", room: "r", user: "solo-\($0)")).action }
        DispatchQueue.concurrentPerform(iterations: 400) { index in
            let text = texts[index % texts.count]
            let verdict = pipeline.screen(text, context: ModerationContext(org: "acme", room: "r", user: "user\(index)"))
            XCTAssertEqual(verdict.action, expected[index % texts.count])
            if index % 100 == 0 { try? pipeline.reload() }
        }
    }
}
