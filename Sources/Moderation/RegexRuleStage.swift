/// Runs an org's regex rules against the form each names.
struct RegexRuleStage: ModerationStage {
    let rules: [RegexRule]

    func screen(_ screening: inout Screening) {
        var squeezed: String?
        for rule in rules where rule.mayMatch(screening.normalised.words) {
            let text: String
            switch rule.target {
            case .original:
                text = screening.original
            case .normalised:
                text = screening.normalised.text
            case .squeezed:
                if squeezed == nil { squeezed = screening.normalised.words.map(\.squeezed).joined(separator: " ") }
                text = squeezed ?? ""
            }
            if rule.matches(text) { screening.flag(rule.reason, rule.action) }
        }
    }
}
