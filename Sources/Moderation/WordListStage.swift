/// Block and hold lists per category, weighted signals and allow-exceptions, matched on normalised words.
/// Signals are only collected here; `SignalStage` weighs them.
struct WordListStage: ModerationStage {
    let matcher: TermMatcher

    func screen(_ screening: inout Screening) {
        let result = matcher.matches(in: screening.normalised.words)
        for match in result.flags {
            switch matcher.terms[match.term].kind {
            case .flag(let action, let category): screening.flag(category, action)
            case .signal(let signal): screening.signals.append(signal)
            case .exception: break
            }
        }
        for range in result.exceptions { screening.exceptedWords.append(contentsOf: range) }
    }
}
