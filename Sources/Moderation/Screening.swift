/// One message on its way through the stages: its forms, the text as it will be delivered, and the findings so far.
struct Screening {
    struct Finding: Equatable {
        var reason: String
        var action: ModerationAction
    }

    let original: String
    let context: ModerationContext
    let normalised: NormalisedText
    /// The original text with masked spans replaced.
    var delivered: String
    private(set) var findings: [Finding] = []
    var scores: [String: Double] = [:]
    /// Normalised word positions inside allow-exceptions ("kill the process"), set by the list stage.
    var exceptedWords: [Int] = []
    /// Weighted signals the list stage found, for `SignalStage`.
    var signals: [Signal] = []

    init(_ text: String, context: ModerationContext) {
        original = text
        self.context = context
        normalised = TextNormaliser.normalise(text)
        delivered = text
    }

    mutating func flag(_ reason: String, _ action: ModerationAction) {
        let finding = Finding(reason: reason, action: action)
        if !findings.contains(finding) { findings.append(finding) }
    }

    /// The strongest action wins; reasons keep their stage order within an action, strongest first.
    /// Categories in `neverBlock` (self-harm, child safety) cap the verdict at hold, so a person reads it
    /// instead of a wall. A hold with an `urgent` category is urgent, and that category leads the reasons.
    func verdict(neverBlock: Set<String>, urgent: Set<String> = []) -> Verdict {
        var ordered = findings.enumerated().sorted { lhs, rhs in
            lhs.element.action != rhs.element.action ? lhs.element.action > rhs.element.action : lhs.offset < rhs.offset
        }.map(\.element)
        var action = ordered.first?.action ?? .allow
        if action == .block, let capping = ordered.firstIndex(where: { neverBlock.contains(Verdict.category(of: $0.reason)) }) {
            action = .hold
            ordered.insert(ordered.remove(at: capping), at: 0)
        }
        var isUrgent = false
        if action == .hold, let leading = ordered.firstIndex(where: { $0.action >= .hold && urgent.contains(Verdict.category(of: $0.reason)) }) {
            isUrgent = true
            ordered.insert(ordered.remove(at: leading), at: 0)
        }
        var reasons: [String] = []
        for finding in ordered where !reasons.contains(finding.reason) { reasons.append(finding.reason) }
        return Verdict(action: action, text: delivered, reasons: reasons, scores: scores, urgent: isUrgent)
    }
}
