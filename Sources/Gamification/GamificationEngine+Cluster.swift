import Activity
import Broker
import Storage
import Synchronization
import Wire

/// Cluster mode: several nodes deliver messages of the same org, so no node's memory can hold
/// the truth. Each batch of events becomes one store transaction that locks the users' progress
/// rows, applies the same `ProgressRules`, and adds points atomically; the totals it returns
/// update this node's boards and are published so every node's boards (and pushes) follow.
extension GamificationEngine {
    /// One change to apply inside the store's transaction.
    private enum Change: Sendable {
        case delivered(user: String, room: String, week: String, day: Int64, at: Int64)
        case helpful(author: String, room: String, week: String, given: Bool)

        var user: String {
            switch self {
            case .delivered(let user, _, _, _, _): user
            case .helpful(let author, _, _, _): author
            }
        }
    }

    /// What a transaction decided that must be announced once it committed.
    private final class Announcements: Sendable {
        let deliveries = Mutex<[(ProgressRules.Delivery, UserProgress, Int64)]>([])
        let helpful = Mutex<[UserProgress]>([])
    }

    func applyShared(_ events: [ActivityEvent]) async {
        var order: [String] = []
        var byOrg: [String: [ActivityEvent]] = [:]
        for event in events {
            if byOrg[event.org] == nil { order.append(event.org) }
            byOrg[event.org, default: []].append(event)
        }
        for org in order { await applyShared(org: org, byOrg[org] ?? []) }
    }

    /// Another node's transaction changed a total.
    public func remoteScore(org: String, room: String, period: String, user: String, name: String, points: Int) {
        guard let state = orgs[org] else { return }
        state.names[user] = name
        boardsChanged(org: org, [state.setTotal(ScoreRecord(room: room, period: period, user: user, points: points))])
    }

    private func applyShared(org: String, _ events: [ActivityEvent]) async {
        do {
            try await ensureLoaded(org)
            let changes = try await sharedChanges(org: org, events)
            guard !changes.isEmpty else { return }
            let announcements = Announcements()
            let cap = settings.dailyMessagePoints
            let totals = try await store.updateProgress(org: org, users: Array(Set(changes.map(\.user)))) { progress in
                Self.apply(changes, to: &progress, dailyCap: cap, announcements: announcements)
            }
            guard let state = orgs[org] else { return }
            boardsChanged(org: org, totals.map { state.setTotal($0) })
            for total in totals {
                broker.publish(ClusterEvent(
                    origin: broker.nodeID, org: org,
                    body: .score(room: total.room, period: total.period, user: total.user, name: state.names[total.user] ?? total.user, points: total.points)))
            }
            for (outcome, progress, at) in announcements.deliveries.withLock({ $0 }) { await announce(outcome, progress, org: org, at: at) }
            for progress in announcements.helpful.withLock({ $0 }) where progress.helpfulReceived >= 10 {
                await award(Achievement.helpful10, to: progress.user, org: org, at: clock.nowMS())
            }
        } catch {
            logger.error("gamification batch failed", metadata: ["org": "\(org)", "events": "\(events.count)", "error": "\(error)"])
        }
    }

    /// Turns events into changes; a helpful award is recorded (exactly once) before it counts.
    private func sharedChanges(org: String, _ events: [ActivityEvent]) async throws -> [Change] {
        var changes: [Change] = []
        for event in events {
            switch event {
            case .messageDelivered(_, let room, let user, let zone, let at):
                changes.append(.delivered(user: user, room: room, week: week(at), day: localDay(at, zone: zone), at: at))
            case .reaction(_, let room, let msgID, let emoji, let reactor, let role, let author, let on, let at):
                guard emoji == "helpful", role == .mentor, reactor != author else { continue }
                if on {
                    let award = HelpfulAward(msgID: msgID, mentor: reactor, author: author, room: room, week: week(at), at: at)
                    if try await store.addHelpfulAward(org: org, award) {
                        changes.append(.helpful(author: author, room: room, week: award.week, given: true))
                    }
                } else if let award = try await store.removeHelpfulAward(org: org, msgID: msgID, mentor: reactor) {
                    changes.append(.helpful(author: award.author, room: award.room, week: award.week, given: false))
                }
            }
        }
        return changes
    }

    /// Runs inside the store's transaction (perhaps more than once): returns the point increments.
    private static func apply(
        _ changes: [Change], to progress: inout [String: UserProgress], dailyCap: Int, announcements: Announcements
    ) -> [ScoreRecord] {
        var deltas: [OrgProgress.ScoreKey: Int] = [:]
        var deliveries: [(ProgressRules.Delivery, UserProgress, Int64)] = []
        var helpful: [String: UserProgress] = [:]
        for change in changes {
            var user = progress[change.user] ?? UserProgress(user: change.user)
            switch change {
            case .delivered(_, let room, let week, let day, let at):
                let outcome = ProgressRules.deliver(&user, today: day, dailyCap: dailyCap)
                if outcome.earned {
                    for board in ProgressRules.boards(room: room, week: week) { deltas[.init(board: board, user: user.user), default: 0] += 1 }
                }
                deliveries.append((outcome, user, at))
            case .helpful(_, let room, let week, let given):
                user.helpfulReceived = max(0, user.helpfulReceived + (given ? 1 : -1))
                let points = given ? ProgressRules.helpfulPoints : -ProgressRules.helpfulPoints
                for board in ProgressRules.boards(room: room, week: week) { deltas[.init(board: board, user: user.user), default: 0] += points }
                if given { helpful[user.user] = user }
            }
            progress[change.user] = user
        }
        announcements.deliveries.withLock { $0 = deliveries }
        announcements.helpful.withLock { $0 = Array(helpful.values) }
        return deltas.map { ScoreRecord(room: $0.key.board.room, period: $0.key.board.period, user: $0.key.user, points: $0.value) }
    }
}
