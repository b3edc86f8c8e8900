/// Weighs the signals the list stage found (`Signal`), in the message and in its conversation.
///
/// Per category, the weights of the distinct signals in a message add up. In private, from an unprotected
/// sender (a mentor) to a protected peer (a student), they count whole and also add up over the
/// conversation's window, so several weak signals ("how old are you", "what school", "add me on snap")
/// escalate even when each message alone would pass. Elsewhere (a student writing, a group room) they count
/// `peer_factor` and only within the message. Reaching `hold_at` holds the message under the category.
struct SignalStage: ModerationStage {
    /// One earlier message's weight in one category.
    struct Entry: Sendable {
        var time: UInt64
        var category: UInt64
        var weight: Double
    }

    /// Signals an adult might send in a conversation's window before it is remembered no further back.
    static let entriesPerConversation = 16

    let settings: ConversationSettings
    let history: BoundedHistory<Entry>
    let clock: @Sendable () -> UInt64

    func screen(_ screening: inout Screening) {
        guard !screening.signals.isEmpty else { return }
        let conversation = conversationKey(screening.context)
        let factor = conversation == nil ? settings.peerFactor : 1
        var weights: [(category: String, weight: Double)] = []
        var counted: Set<String> = []
        for signal in screening.signals where counted.insert(signal.name).inserted {
            if let index = weights.firstIndex(where: { $0.category == signal.category }) {
                weights[index].weight += signal.weight * factor
            } else {
                weights.append((signal.category, signal.weight * factor))
            }
        }
        let now = clock()
        let window = UInt64(settings.windowSeconds * 1e9)
        for (category, weight) in weights {
            var total = weight
            if let conversation, window > 0 {
                let categoryKey = StableHash.of(category)
                total += history.record(Entry(time: now, category: categoryKey, weight: weight), key: conversation) { earlier in
                    earlier.reduce(0) { sum, entry in
                        entry.category == categoryKey && now &- entry.time <= window ? sum + entry.weight : sum
                    }
                }
            }
            screening.scores[category] = max(screening.scores[category] ?? 0, (total * 1000).rounded() / 1000)
            // A hair below, so 0.6 + 0.4 counts as 1 despite binary fractions.
            if total >= settings.holdAt - 1e-9 { screening.flag(category, .hold) }
        }
    }

    /// The conversation whose signals add up, or nil when signals count only `peer_factor` within the message.
    private func conversationKey(_ context: ModerationContext) -> UInt64? {
        let peer: String
        switch context.audience {
        case .unknown:
            peer = ""
        case .direct(let id, let peerRole):
            guard settings.protectedRoles.contains(peerRole), !settings.protectedRoles.contains(context.role ?? "") else { return nil }
            peer = id
        case .group:
            return nil
        }
        return StableHash.of(peer, seed: StableHash.of(org: context.org, user: context.user) ^ StableHash.of(context.room))
    }
}
