/// Block and hold lists per category, with allow-exceptions, matched on normalised words.
struct WordListStage: ModerationStage {
    let matcher: TermMatcher

    func screen(_ screening: inout Screening) {
        let result = matcher.matches(in: screening.normalised.words)
        for match in result.flags {
            if case .flag(let action, let category) = matcher.terms[match.term].kind { screening.flag(category, action) }
        }
        for range in result.exceptions { screening.exceptedWords.append(contentsOf: range) }
    }
}
