/// The strongest action wins when stages disagree: block > hold > mask > allow.
extension ModerationAction: Comparable {
    var strength: Int {
        switch self {
        case .allow: 0
        case .mask: 1
        case .hold: 2
        case .block: 3
        }
    }

    public static func < (lhs: ModerationAction, rhs: ModerationAction) -> Bool {
        lhs.strength < rhs.strength
    }
}
