/// The trained category classifier (`CategoryModel`) as a stage: catches phrasings no list entry names.
///
/// A category's probability at or above its `block` threshold blocks, at or above `hold` holds, with the
/// category as the reason. A `conversation` category (child safety) is a weighted signal instead, which
/// `SignalStage` weighs by who writes to whom and adds up over the conversation, so this stage runs before it.
struct CategoryStage: ModerationStage {
    private struct Rule: Sendable {
        var index: Int
        var name: String
        var category: ClassifierSettings.Category
    }

    private let model: CategoryModel
    private let rules: [Rule]
    private let countFrom: Double
    private let holdAt: Double

    /// Categories the model does not know are refused, so a misspelt name in a policy file is not silently inert.
    init(model: CategoryModel, settings: ClassifierSettings, holdAt: Double) throws(PolicyFileError.Problem) {
        var rules: [Rule] = []
        for (name, category) in settings.categories.sorted(by: { $0.key < $1.key }) {
            guard let index = model.index(of: name) else {
                throw .invalid("classifier category \"\(name)\" is not one of the model's: \(model.classes.joined(separator: ", "))")
            }
            rules.append(Rule(index: index, name: name, category: category))
        }
        self.model = model
        self.rules = rules
        countFrom = settings.countFrom
        self.holdAt = holdAt
    }

    /// Whether some category is weighed as a conversation signal (then `SignalStage` must run).
    var signalsConversations: Bool { rules.contains { $0.category.conversation } }

    func screen(_ screening: inout Screening) {
        guard !screening.normalised.words.isEmpty else { return }
        let probabilities = model.probabilities(screening.normalised.words)
        for rule in rules {
            let probability = probabilities[rule.index]
            guard probability >= rule.category.hold * countFrom else { continue }
            screening.scores["classifier.\(rule.name)"] = (probability * 1000).rounded() / 1000
            if rule.category.conversation {
                screening.signals.append(
                    Signal(name: "classifier.\(rule.name)", category: rule.name, weight: holdAt * probability / rule.category.hold))
            } else if probability >= rule.category.block, rule.category.block < 1 {
                screening.flag(rule.name, .block)
            } else if probability >= rule.category.hold {
                screening.flag(rule.name, .hold)
            }
        }
    }
}
