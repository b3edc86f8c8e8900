/// Kinds of personal data masked in delivered text.
enum PersonalDataKind: String, Sendable, CaseIterable {
    case email
    case phone
    case card
    case israeliID = "il_id"

    var reason: String { "pii.\(rawValue)" }

    var placeholder: String {
        switch self {
        case .email: "[email]"
        case .phone: "[phone]"
        case .card: "[card]"
        case .israeliID: "[id]"
        }
    }
}
