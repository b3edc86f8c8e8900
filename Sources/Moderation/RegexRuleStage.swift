/// Runs an org's regex rules against the form each names.
struct RegexRuleStage: ModerationStage {
    let rules: [RegexRule]
    /// Required word key → the rules that name it: one lookup per word finds every rule worth trying.
    private let byRequiredWord: KeyTable
    /// Rules that require no word, tried on every message.
    private let unconditional: [Int]

    init(rules: [RegexRule]) {
        self.rules = rules
        var byRequiredWord: [UInt64: [Int]] = [:]
        for (index, rule) in rules.enumerated() {
            for key in Set(rule.requiredWords) { byRequiredWord[key, default: []].append(index) }
        }
        self.byRequiredWord = KeyTable(byRequiredWord)
        unconditional = rules.indices.filter { rules[$0].requiredWords.isEmpty }
    }

    func screen(_ screening: inout Screening) {
        var candidates = unconditional
        for word in screening.normalised.words {
            byRequiredWord.forEach(word.key) { index in
                if !candidates.contains(index) { candidates.append(index) }
            }
        }
        guard !candidates.isEmpty else { return }
        // In configuration order, so reasons come out as the rules are listed.
        candidates.sort()
        var normalised: String?
        var squeezed: String?
        for rule in candidates.map({ rules[$0] }) {
            let text: String
            switch rule.target {
            case .original:
                text = screening.original
            case .normalised:
                if normalised == nil { normalised = screening.normalised.text }
                text = normalised ?? ""
            case .squeezed:
                if squeezed == nil { squeezed = screening.normalised.words.map(\.squeezed).joined(separator: " ") }
                text = squeezed ?? ""
            }
            if rule.matches(text) { screening.flag(rule.reason, rule.action) }
        }
    }
}
