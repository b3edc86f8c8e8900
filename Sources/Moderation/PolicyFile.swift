/// The shape of `default.json`, `lists/*.json` and `orgs/<org>.json`. Every key is optional: an org file
/// overrides the settings it names and extends the lists and rules; `unlist` drops inherited list entries.
struct PolicyFile: Decodable, Sendable {
    struct Stages: Decodable, Sendable {
        var pii: Bool?
        var lists: Bool?
        var rules: Bool?
        var spam: Bool?
        var toxicity: Bool?
        var classifier: Bool?
    }

    struct Toxicity: Decodable, Sendable {
        var hold: Double?
        var block: Double?
    }

    /// The category classifier: its file (default.json only) and thresholds per category.
    struct Classifier: Decodable, Sendable {
        struct Category: Decodable, Sendable {
            var hold: Double?
            var block: Double?
            var conversation: Bool?
        }

        var model: String?
        var countFrom: Double?
        var categories: [String: Category]?

        enum CodingKeys: String, CodingKey {
            case model
            case countFrom = "count_from"
            case categories
        }
    }

    struct Spam: Decodable, Sendable {
        var windowSeconds: Double?
        var repeatCount: Int?
        var repeatMinLength: Int?
        var maxLinks: Int?
        var maxLinksPerWindow: Int?
        var capsMinLetters: Int?
        var capsRatio: Double?
        var floodRun: Int?
        var floodWords: Int?
        var action: ModerationAction?

        enum CodingKeys: String, CodingKey {
            case windowSeconds = "window_seconds"
            case repeatCount = "repeat_count"
            case repeatMinLength = "repeat_min_length"
            case maxLinks = "max_links"
            case maxLinksPerWindow = "max_links_per_window"
            case capsMinLetters = "caps_min_letters"
            case capsRatio = "caps_ratio"
            case floodRun = "flood_run"
            case floodWords = "flood_words"
            case action
        }
    }

    /// Weighted list entries (see `SignalStage`).
    struct SignalGroup: Decodable, Sendable {
        var name: String
        var category: String
        var weight: Double
        var entries: [String]
    }

    struct Conversation: Decodable, Sendable {
        var windowSeconds: Double?
        var holdAt: Double?
        var peerFactor: Double?
        var protectedRoles: [String]?

        enum CodingKeys: String, CodingKey {
            case windowSeconds = "window_seconds"
            case holdAt = "hold_at"
            case peerFactor = "peer_factor"
            case protectedRoles = "protected_roles"
        }
    }

    struct Rule: Decodable, Sendable {
        var name: String
        var pattern: String
        var reason: String
        var action: ModerationAction
        var on: RegexRule.Target?
        /// Words one of which must be in the message (normalised, whole words) before the pattern is tried.
        var requires: [String]?
    }

    /// The classifier file, relative to the configuration directory (default.json only; loaded once at start).
    var model: String?
    var stages: Stages?
    var toxicity: Toxicity?
    var classifier: Classifier?
    var spam: Spam?
    /// Personal data kinds to mask: `email`, `phone`, `card`, `il_id`.
    var pii: [String: Bool]?
    /// Categories that cap the verdict at hold (default `self_harm`, `sexual_minor_risk`).
    var neverBlock: [String]?
    /// Categories whose holds are urgent (default `self_harm`, `sexual_minor_risk`).
    var urgent: [String]?
    /// How signals add up in a conversation.
    var conversation: Conversation?
    /// Weighted entries, by signal.
    var signals: [SignalGroup]?
    var rules: [Rule]?
    /// Category → entries that block.
    var block: [String: [String]]?
    /// Category → entries that hold for review.
    var hold: [String: [String]]?
    /// Allow-exceptions ("kill the process").
    var allow: [String]?
    /// Inherited list entries an org does not want.
    var unlist: [String]?

    // Explicit keys: JSONDecoder's snake-case strategy would also rewrite category names used as dictionary keys.
    enum CodingKeys: String, CodingKey, CaseIterable {
        case model, stages, toxicity, classifier, spam, pii
        case neverBlock = "never_block"
        case urgent, conversation, signals
        case rules, block, hold, allow, unlist
    }
}
