/// Masks personal data in the delivered text: `[email]`, `[phone]`, `[card]`, `[id]`, reasons `pii.*`, action mask.
struct PersonalDataStage: ModerationStage {
    let kinds: Set<PersonalDataKind>

    func screen(_ screening: inout Screening) {
        let spans = PersonalDataScanner.scan(screening.original, kinds: kinds)
        guard !spans.isEmpty else { return }
        let utf8 = screening.original.utf8
        var masked = ""
        var copied = utf8.startIndex
        for span in spans {
            let start = utf8.index(utf8.startIndex, offsetBy: span.bytes.lowerBound)
            masked += String(decoding: utf8[copied..<start], as: UTF8.self)
            masked += span.kind.placeholder
            copied = utf8.index(utf8.startIndex, offsetBy: span.bytes.upperBound)
            screening.flag(span.kind.reason, .mask)
        }
        masked += String(decoding: utf8[copied...], as: UTF8.self)
        screening.delivered = masked
    }
}
