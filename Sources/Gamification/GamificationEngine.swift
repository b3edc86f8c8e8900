import Activity
import Broker
import Foundation
import Logging
import Outbound
import Storage
import Synchronization
import Wire

/// Points, streaks, achievements and leaderboards, updated from the message path's activity.
///
/// Rooms only `record` events (a lock and an append: no task is woken per message); this actor
/// drains them every `settings.drainInterval` and applies them in order,
/// updates leaderboards in O(log n), pushes streaks and achievements to the user's sessions,
/// and pushes changed top-10s to subscribers at most once per `pushInterval`, coalesced.
public actor GamificationEngine: ActivityFeed {
    let store: any GamificationStore
    let broker: any ClusterBroker
    let settings: GamificationSettings
    let clock: any WallClock
    private let notifier: any UserNotifier
    let logger: Logger
    private nonisolated let inbox = Mutex(Inbox())
    private let trimInterval = Duration.seconds(60)

    private struct Inbox {
        var events: [ActivityEvent] = []
        var finished = false
    }

    var orgs: [String: OrgProgress] = [:]
    /// When each loaded org was last used (ms): idle ones are dropped from memory.
    private var lastUsed: [String: Int64] = [:]
    private var loading: [String: Task<OrgGamification, any Error>] = [:]
    private var subscriptions: [SubscriptionKey: SubscriptionGroup] = [:]
    /// Parsed zones by name: `TimeZone(identifier:)` is too slow to repeat per message.
    private var zones: [String: TimeZone] = [:]

    struct SubscriptionKey: Hashable {
        var org: String
        var room: String
        var period: LeaderboardPeriod
    }

    private struct SubscriptionGroup {
        var sinks: [UInt64: any FrameSink] = [:]
        var lastSent: [LeaderboardEntry] = []
        var lastPush: ContinuousClock.Instant?
        var pushScheduled = false
    }

    public init(
        store: any GamificationStore, broker: any ClusterBroker, settings: GamificationSettings, clock: any WallClock,
        notifier: any UserNotifier, logger: Logger
    ) {
        self.store = store
        self.broker = broker
        self.settings = settings
        self.clock = clock
        self.notifier = notifier
        self.logger = logger
    }

    /// Called on the message path: never waits and wakes nobody.
    public nonisolated func record(_ event: ActivityEvent) {
        inbox.withLock { inbox in
            guard !inbox.finished else { return }
            inbox.events.append(event)
        }
    }

    /// Applies events until `finish()`; writes changes behind every `flushInterval`.
    public func run() async {
        var buffer: [ActivityEvent] = []
        var lastFlush = ContinuousClock.now
        var lastTrim = ContinuousClock.now
        while true {
            let finished = inbox.withLock { inbox in
                swap(&inbox.events, &buffer)
                return inbox.finished
            }
            if settings.sharedStore {
                await applyShared(buffer)
            } else {
                for event in buffer { await apply(event) }
            }
            buffer.removeAll(keepingCapacity: true)
            if finished { break }
            if ContinuousClock.now - lastFlush >= settings.flushInterval {
                await flush()
                refreshWeeklyBoards()
                lastFlush = .now
                // Scans every loaded org: once a minute is plenty for a 15-minute idle limit.
                if lastFlush - lastTrim >= trimInterval {
                    trimMemory()
                    lastTrim = lastFlush
                }
            }
            try? await Task.sleep(for: settings.drainInterval)
        }
        await flush()
    }

    /// Stops taking events; `run()` returns after applying those already queued and flushing.
    public nonisolated func finish() {
        inbox.withLock { $0.finished = true }
    }

    // MARK: Subscriptions

    /// Subscribes the session and sends it the current top 10 (replying to `requestID`).
    public func subscribe(org: String, room: String?, period: LeaderboardPeriod, sink: any FrameSink, requestID: String?) async throws(RequestError) {
        try await ensureLoaded(org)
        let key = SubscriptionKey(org: org, room: room ?? "", period: period)
        var group = subscriptions[key] ?? SubscriptionGroup()
        let entries = top(key)
        if group.sinks.isEmpty { group.lastSent = entries }
        group.sinks[sink.connectionID] = sink
        subscriptions[key] = group
        sink.send(EventEncoder.frame(LeaderboardEvent(re: requestID, period: period.rawValue, room: room, entries: entries)))
    }

    public func unsubscribe(org: String, room: String?, period: LeaderboardPeriod, connection: UInt64) -> Bool {
        let key = SubscriptionKey(org: org, room: room ?? "", period: period)
        guard subscriptions[key]?.sinks.removeValue(forKey: connection) != nil else { return false }
        if subscriptions[key]?.sinks.isEmpty == true { subscriptions[key] = nil }
        return true
    }

    /// The session went away.
    public func unsubscribeAll(org: String, keys: [(room: String?, period: LeaderboardPeriod)], connection: UInt64) {
        for key in keys { _ = unsubscribe(org: org, room: key.room, period: key.period, connection: connection) }
    }

    /// The current top 10 (for the HTTP endpoint).
    public func leaderboard(org: String, room: String?, period: LeaderboardPeriod) async throws(RequestError) -> [LeaderboardEntry] {
        try await ensureLoaded(org)
        return top(SubscriptionKey(org: org, room: room ?? "", period: period))
    }

    // MARK: Events

    private func apply(_ event: ActivityEvent) async {
        do {
            switch event {
            case .messageDelivered(let org, let room, let user, let zone, let at):
                try await ensureLoaded(org)
                await messageDelivered(org: org, room: room, user: user, zone: zone, at: at)
            case .reaction(let org, let room, let msgID, let emoji, let reactor, let role, let author, let on, let at):
                // Only a mentor's `helpful` on someone else's message earns points.
                guard emoji == "helpful", role == .mentor, reactor != author else { return }
                try await ensureLoaded(org)
                try await helpful(org: org, room: room, msgID: msgID, mentor: reactor, author: author, on: on, at: at)
            }
        } catch {
            logger.error("gamification event failed", metadata: ["error": "\(error)"])
        }
    }

    private func messageDelivered(org: String, room: String, user: String, zone: String?, at: Int64) async {
        guard let state = orgs[org] else { return }
        var progress = state.progress(user)
        let outcome = ProgressRules.deliver(&progress, today: localDay(at, zone: zone), dailyCap: settings.dailyMessagePoints)
        state.update(progress)
        if outcome.earned { boardsChanged(org: org, state.addPoints(1, user: user, room: room, week: week(at))) }
        await announce(outcome, progress, org: org, at: at)
    }

    /// Streak pushes and achievements that a delivered message earned.
    func announce(_ outcome: ProgressRules.Delivery, _ progress: UserProgress, org: String, at: Int64) async {
        let user = progress.user
        if outcome.streakChanged {
            notifier.notify(org: org, user: user, frame: EventEncoder.frame(StreakPush(days: progress.streakDays, best: progress.streakBest)))
        }
        if progress.messages == 1 { await award(Achievement.firstMessage, to: user, org: org, at: at) }
        if outcome.streakChanged, let name = Achievement.streaks[progress.streakDays] { await award(name, to: user, org: org, at: at) }
    }

    func localDay(_ at: Int64, zone: String?) -> Int64 {
        CivilTime.dayNumber(ms: at, in: zone.map(timeZone(named:)) ?? settings.orgTimeZone)
    }

    private func helpful(org: String, room: String, msgID: String, mentor: String, author: String, on: Bool, at: Int64) async throws {
        if on {
            let record = HelpfulAward(msgID: msgID, mentor: mentor, author: author, room: room, week: week(at), at: at)
            guard try await store.addHelpfulAward(org: org, record), let state = orgs[org] else { return }
            let boards = state.addPoints(ProgressRules.helpfulPoints, user: author, room: room, week: record.week)
            var progress = state.progress(author)
            progress.helpfulReceived += 1
            state.update(progress)
            boardsChanged(org: org, boards)
            if progress.helpfulReceived >= 10 { await award(Achievement.helpful10, to: author, org: org, at: at) }
        } else {
            guard let record = try await store.removeHelpfulAward(org: org, msgID: msgID, mentor: mentor), let state = orgs[org] else { return }
            let boards = state.addPoints(-ProgressRules.helpfulPoints, user: record.author, room: record.room, week: record.week)
            var progress = state.progress(record.author)
            progress.helpfulReceived = max(0, progress.helpfulReceived - 1)
            state.update(progress)
            boardsChanged(org: org, boards)
        }
    }

    /// Stored first, pushed only when this call was the one that stored it: exactly once per user.
    func award(_ name: String, to user: String, org: String, at: Int64) async {
        let key = OrgProgress.achievementKey(user, name)
        guard orgs[org]?.achievements.contains(key) == false else { return }
        do {
            orgs[org]?.achievements.insert(key)
            guard try await store.awardAchievement(org: org, user: user, name: name, at: at) else { return }
            notifier.notify(org: org, user: user, frame: EventEncoder.frame(AchievementPush(name: name, at: at)))
        } catch {
            orgs[org]?.achievements.remove(key)
            logger.error("storing achievement failed", metadata: ["user": "\(user)", "name": "\(name)", "error": "\(error)"])
        }
    }

    // MARK: Leaderboard pushes

    func boardsChanged(org: String, _ boards: [OrgProgress.BoardKey]) {
        let currentWeek = week(clock.nowMS())
        for board in boards {
            let period: LeaderboardPeriod
            if board.period == "all" {
                period = .all
            } else if board.period == currentWeek {
                period = .week
            } else {
                continue
            }
            let key = SubscriptionKey(org: org, room: board.room, period: period)
            if subscriptions[key] != nil { schedulePush(key) }
        }
    }

    /// Pushes now when the last push is older than `pushInterval`, else once when it is: coalesced.
    private func schedulePush(_ key: SubscriptionKey) {
        guard var group = subscriptions[key], !group.pushScheduled else { return }
        let now = ContinuousClock.now
        let due = group.lastPush.map { $0 + settings.pushInterval } ?? now
        guard due > now else {
            push(key)
            return
        }
        group.pushScheduled = true
        subscriptions[key] = group
        Task {
            try? await Task.sleep(until: due, clock: .continuous)
            self.scheduledPush(key)
        }
    }

    private func scheduledPush(_ key: SubscriptionKey) {
        subscriptions[key]?.pushScheduled = false
        push(key)
    }

    private func push(_ key: SubscriptionKey) {
        guard var group = subscriptions[key] else { return }
        let entries = top(key)
        guard entries != group.lastSent else { return }
        let frame = EventEncoder.frame(LeaderboardEvent(re: nil, period: key.period.rawValue, room: key.room.isEmpty ? nil : key.room, entries: entries))
        for sink in group.sinks.values { sink.send(frame) }
        group.lastSent = entries
        group.lastPush = ContinuousClock.now
        subscriptions[key] = group
    }

    /// A new ISO week starts an empty weekly board even without any event.
    private func refreshWeeklyBoards() {
        for key in subscriptions.keys where key.period == .week { schedulePush(key) }
    }

    private func top(_ key: SubscriptionKey) -> [LeaderboardEntry] {
        guard let state = orgs[key.org] else { return [] }
        let period = key.period == .all ? "all" : week(clock.nowMS())
        let standings = state.boards[OrgProgress.BoardKey(room: key.room, period: period)]?.top(10) ?? []
        return standings.enumerated().map { index, standing in
            LeaderboardEntry(rank: index + 1, user: standing.user, name: state.names[standing.user] ?? standing.user, points: standing.points)
        }
    }

    // MARK: Loading and saving

    /// Records a user's latest display name (from their token).
    /// An erased user leaves every board (subscribers get the new top) and their progress is
    /// forgotten; call before the store erases their rows, so no unwritten change brings them back.
    public func forget(org: String, user: String) {
        guard let state = orgs[org] else { return }
        boardsChanged(org: org, state.forget(user))
    }

    public func userSeen(org: String, user: String, name: String) {
        orgs[org]?.names[user] = name
    }

    func ensureLoaded(_ org: String) async throws(RequestError) {
        lastUsed[org] = clock.nowMS()
        if orgs[org] != nil { return }
        let oldestWeek = previousWeek()
        let task = loading[org] ?? Task { [store] in try await store.loadGamification(org: org, oldestWeek: oldestWeek) }
        loading[org] = task
        let result = await task.result
        loading[org] = nil
        switch result {
        case .success(let stored):
            if orgs[org] == nil { orgs[org] = OrgProgress(stored) }
        case .failure(let error):
            logger.error("loading gamification failed", metadata: ["org": "\(org)", "error": "\(error)"])
            throw .internalError
        }
    }

    /// Writes changed progress and scores; on failure they stay dirty for the next try.
    public func flush() async {
        for (org, state) in orgs {
            let changes = state.takeDirty()
            guard !changes.users.isEmpty || !changes.scores.isEmpty else { continue }
            do {
                try await store.saveGamification(org: org, progress: changes.users, scores: changes.scores)
            } catch {
                logger.error("saving gamification failed", metadata: ["org": "\(org)", "error": "\(error)"])
                for user in changes.users { state.dirtyUsers.insert(user.user) }
                for score in changes.scores {
                    state.dirtyScores.insert(.init(board: .init(room: score.room, period: score.period), user: score.user))
                }
            }
        }
    }

    // MARK: Memory

    /// Keeps memory bounded by what is in use: drops weekly boards older than the previous ISO
    /// week, and orgs idle for `orgIdleMS` with nothing unwritten and no subscriber.
    /// Runs right after a flush (once a minute), so written-behind changes are out of the way.
    public func trimMemory() {
        let weeks: Set<String> = [week(clock.nowMS()), previousWeek()]
        let now = clock.nowMS()
        let subscribed = Set(subscriptions.keys.map(\.org))
        for (org, state) in orgs {
            _ = state.pruneWeeklyBoards(keeping: weeks)
            let idle = now - (lastUsed[org] ?? now) >= settings.orgIdleMS
            if idle, state.isClean, !subscribed.contains(org), loading[org] == nil {
                orgs[org] = nil
                lastUsed[org] = nil
            }
        }
    }

    /// Orgs whose state is in memory.
    public var loadedOrgCount: Int { orgs.count }

    /// Leaderboards in memory, over every loaded org.
    public var loadedBoardCount: Int { orgs.values.reduce(0) { $0 + $1.boards.count } }

    /// Only real zone names are cached: a token's made-up name must not grow the cache.
    private func timeZone(named name: String) -> TimeZone {
        if let zone = zones[name] { return zone }
        guard let zone = TimeZone(identifier: name) else { return settings.orgTimeZone }
        zones[name] = zone
        return zone
    }

    func week(_ ms: Int64) -> String {
        CivilTime.isoWeek(ms: ms, in: settings.orgTimeZone)
    }

    /// The ISO week before the current one: its board is still kept (and loaded).
    private func previousWeek() -> String {
        CivilTime.isoWeek(day: CivilTime.dayNumber(ms: clock.nowMS(), in: settings.orgTimeZone) - 7)
    }
}
