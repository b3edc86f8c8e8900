/// An org's effective settings: built-in defaults, then default.json, then the org's file.
struct PolicySettings: Sendable, Equatable {
    enum StageName: String, Sendable, CaseIterable {
        case pii, lists, classifier, rules, spam, toxicity
    }

    var enabledStages = Set(StageName.allCases)
    var toxicity = ToxicityThresholds()
    var classifier = ClassifierSettings()
    var spam = SpamSettings()
    var personalData = Set(PersonalDataKind.allCases)
    var neverBlock: Set<String> = ["self_harm", "sexual_minor_risk"]
    var urgent: Set<String> = ["self_harm", "sexual_minor_risk"]
    var conversation = ConversationSettings()

    /// The settings `file` names, over these; throws on values out of range.
    func overlaid(with file: PolicyFile) throws(PolicyFileError.Problem) -> PolicySettings {
        var result = self
        if let stages = file.stages {
            let switches: [(StageName, Bool?)] = [
                (.pii, stages.pii), (.lists, stages.lists), (.rules, stages.rules), (.spam, stages.spam), (.toxicity, stages.toxicity),
                (.classifier, stages.classifier),
            ]
            for case (let stage, let enabled?) in switches {
                if enabled { result.enabledStages.insert(stage) } else { result.enabledStages.remove(stage) }
            }
        }
        if let toxicity = file.toxicity {
            result.toxicity.hold = toxicity.hold ?? result.toxicity.hold
            result.toxicity.block = toxicity.block ?? result.toxicity.block
            guard (0...1).contains(result.toxicity.hold), (0...1).contains(result.toxicity.block),
                result.toxicity.hold <= result.toxicity.block
            else { throw .invalid("toxicity thresholds must lie in 0…1 with hold ≤ block") }
        }
        if let classifier = file.classifier { result.classifier = try result.classifier.overlaid(with: classifier) }
        if let spam = file.spam { result.spam = try result.spam.overlaid(with: spam) }
        if let kinds = file.pii {
            for (name, enabled) in kinds {
                guard let kind = PersonalDataKind(rawValue: name) else { throw .invalid("unknown pii kind \"\(name)\"") }
                if enabled { result.personalData.insert(kind) } else { result.personalData.remove(kind) }
            }
        }
        if let neverBlock = file.neverBlock { result.neverBlock = Set(neverBlock) }
        if let urgent = file.urgent { result.urgent = Set(urgent) }
        if let conversation = file.conversation { result.conversation = try result.conversation.overlaid(with: conversation) }
        return result
    }
}

extension SpamSettings {
    fileprivate func overlaid(with file: PolicyFile.Spam) throws(PolicyFileError.Problem) -> SpamSettings {
        var result = self
        result.windowSeconds = file.windowSeconds ?? windowSeconds
        result.repeatCount = file.repeatCount ?? repeatCount
        result.repeatMinLength = file.repeatMinLength ?? repeatMinLength
        result.maxLinks = file.maxLinks ?? maxLinks
        result.maxLinksPerWindow = file.maxLinksPerWindow ?? maxLinksPerWindow
        result.capsMinLetters = file.capsMinLetters ?? capsMinLetters
        result.capsRatio = file.capsRatio ?? capsRatio
        result.floodRun = file.floodRun ?? floodRun
        result.floodWords = file.floodWords ?? floodWords
        result.action = file.action ?? action
        guard result.windowSeconds > 0, result.repeatCount >= 2, result.maxLinks >= 0, result.maxLinksPerWindow >= 0,
            result.capsMinLetters > 0, (0...1).contains(result.capsRatio), result.floodRun >= 2, result.floodWords >= 2
        else { throw .invalid("spam settings out of range") }
        return result
    }
}

extension ConversationSettings {
    fileprivate func overlaid(with file: PolicyFile.Conversation) throws(PolicyFileError.Problem) -> ConversationSettings {
        var result = self
        result.windowSeconds = file.windowSeconds ?? windowSeconds
        result.holdAt = file.holdAt ?? holdAt
        result.peerFactor = file.peerFactor ?? peerFactor
        result.protectedRoles = file.protectedRoles.map(Set.init) ?? protectedRoles
        guard result.windowSeconds >= 0, result.holdAt > 0, (0...1).contains(result.peerFactor) else {
            throw .invalid("conversation settings out of range (window_seconds ≥ 0, hold_at > 0, peer_factor in 0…1)")
        }
        return result
    }
}

extension ClassifierSettings {
    fileprivate func overlaid(with file: PolicyFile.Classifier) throws(PolicyFileError.Problem) -> ClassifierSettings {
        var result = self
        result.countFrom = file.countFrom ?? countFrom
        guard (0...1).contains(result.countFrom) else { throw .invalid("classifier count_from must lie in 0…1") }
        for (name, category) in file.categories ?? [:] {
            let base = categories[name] ?? Category(hold: 1)
            let merged = Category(
                hold: category.hold ?? base.hold, block: category.block ?? base.block,
                conversation: category.conversation ?? base.conversation)
            guard merged.hold > 0, merged.hold <= 1, merged.hold <= merged.block, merged.block <= 1 else {
                throw .invalid("classifier thresholds for \(name) must satisfy 0 < hold ≤ block ≤ 1")
            }
            result.categories[name] = merged
        }
        return result
    }
}
