/// One org's compiled screening: its stages in order and its verdict policy.
struct OrgPolicy: Sendable {
    let settings: PolicySettings
    let stages: [any ModerationStage]

    /// Shared pieces every org's stages use: the classifier (loaded once), the per-user message history and
    /// the per-conversation signal history (both survive reloads).
    struct Shared: Sendable {
        let model: ToxicityModel
        /// The category classifier, when the configuration ships one.
        let categories: CategoryModel?
        let recent: BoundedHistory<SpamStage.Entry>
        let conversations: BoundedHistory<SignalStage.Entry>
        let clock: @Sendable () -> UInt64
    }

    /// - Parameters:
    ///   - files: the default file, the list files, then the org's file if any: lists and rules accumulate in order.
    ///   - settings: the settings in force for this org.
    init(files: [PolicyDirectory.File], settings: PolicySettings, shared: Shared) throws(PolicyFileError) {
        self.settings = settings
        var stages: [any ModerationStage] = []
        let enabled = settings.enabledStages
        if enabled.contains(.pii), !settings.personalData.isEmpty { stages.append(PersonalDataStage(kinds: settings.personalData)) }
        var signals = false
        if enabled.contains(.lists) {
            let terms = try Self.terms(from: files)
            if !terms.isEmpty { stages.append(WordListStage(matcher: TermMatcher(terms: terms))) }
            signals = terms.contains(where: { if case .signal = $0.kind { true } else { false } })
        }
        if enabled.contains(.classifier), let model = shared.categories {
            let stage: CategoryStage
            do {
                stage = try CategoryStage(model: model, settings: settings.classifier, holdAt: settings.conversation.holdAt)
            } catch {
                throw PolicyFileError(file: files.last?.path ?? "", message: error.message)
            }
            stages.append(stage)
            signals = signals || stage.signalsConversations
        }
        if signals {
            stages.append(SignalStage(settings: settings.conversation, history: shared.conversations, clock: shared.clock))
        }
        if enabled.contains(.rules) {
            let rules = try Self.rules(from: files)
            if !rules.isEmpty { stages.append(RegexRuleStage(rules: rules)) }
        }
        if enabled.contains(.spam) { stages.append(SpamStage(settings: settings.spam, log: shared.recent, clock: shared.clock)) }
        if enabled.contains(.toxicity) { stages.append(ToxicityStage(model: shared.model, thresholds: settings.toxicity)) }
        self.stages = stages
    }

    private static func terms(from files: [PolicyDirectory.File]) throws(PolicyFileError) -> [ListedTerm] {
        var entries: [(entry: String, kind: ListedTerm.Kind, file: String)] = []
        for file in files {
            for (category, list) in (file.contents.block ?? [:]).sorted(by: { $0.key < $1.key }) {
                entries += list.map { ($0, .flag(.block, category: category), file.path) }
            }
            for (category, list) in (file.contents.hold ?? [:]).sorted(by: { $0.key < $1.key }) {
                entries += list.map { ($0, .flag(.hold, category: category), file.path) }
            }
            entries += (file.contents.allow ?? []).map { ($0, .exception, file.path) }
            for group in file.contents.signals ?? [] {
                guard group.weight > 0, !group.name.isEmpty, !group.category.isEmpty else {
                    throw PolicyFileError(file: file.path, message: "signal \"\(group.name)\" needs a name, a category and a weight above 0")
                }
                let signal = Signal(name: group.name, category: group.category, weight: group.weight)
                entries += group.entries.map { ($0, .signal(signal), file.path) }
            }
        }
        let unlisted = Set(files.flatMap { $0.contents.unlist ?? [] }.map(Self.key))
        var terms: [ListedTerm] = []
        for (entry, kind, path) in entries where !unlisted.contains(Self.key(entry)) {
            do {
                terms.append(try ListedTerm(entry, kind: kind))
            } catch {
                throw PolicyFileError(file: path, message: error.description)
            }
        }
        return terms
    }

    private static func rules(from files: [PolicyDirectory.File]) throws(PolicyFileError) -> [RegexRule] {
        var rules: [RegexRule] = []
        for file in files {
            for rule in file.contents.rules ?? [] {
                do {
                    rules.append(
                        try RegexRule(
                            name: rule.name, pattern: rule.pattern, reason: rule.reason, action: rule.action, target: rule.on ?? .normalised,
                            requires: rule.requires ?? []))
                } catch {
                    throw PolicyFileError(file: file.path, message: error.description)
                }
            }
        }
        return rules
    }

    private static func key(_ entry: String) -> String {
        entry.trimmingCharacters(in: .whitespaces).lowercased()
    }
}
