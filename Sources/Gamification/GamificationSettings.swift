import Foundation

public struct GamificationSettings: Sendable {
    /// Most message points per user per local day.
    public var dailyMessagePoints: Int
    /// Orgs' zone for ISO weeks, and users' zone when their token names none.
    public var orgTimeZone: TimeZone
    /// Least time between two leaderboard pushes to the same subscription.
    public var pushInterval: Duration
    /// How often changed progress and scores are written to the store.
    public var flushInterval: Duration
    /// An org without events, queries or subscribers for this long is dropped from memory
    /// (reloaded from the store on its next use).
    public var orgIdleMS: Int64
    /// Cluster mode: the store, shared by every node, decides progress and points (one transaction
    /// per batch of events) instead of this node's memory.
    public var sharedStore: Bool
    /// How often queued events are applied. In cluster mode each batch is a store transaction
    /// (with its commit), so batches are larger there: 10 transactions/s per node instead of 50
    /// keeps the shared store's commits for messages, and pushes stay well within `pushInterval`.
    public var drainInterval: Duration {
        sharedStore ? .milliseconds(100) : .milliseconds(20)
    }

    public init(dailyMessagePoints: Int = 20, orgTimeZone: TimeZone = TimeZone(identifier: "UTC") ?? .current,
                pushInterval: Duration = .seconds(1), flushInterval: Duration = .milliseconds(250), orgIdleMS: Int64 = 900_000,
                sharedStore: Bool = false) {
        self.sharedStore = sharedStore
        self.dailyMessagePoints = dailyMessagePoints
        self.orgTimeZone = orgTimeZone
        self.pushInterval = pushInterval
        self.flushInterval = flushInterval
        self.orgIdleMS = orgIdleMS
    }
}

public enum LeaderboardPeriod: String, Sendable, CaseIterable {
    case week, all
}

/// Achievement names (PROTOCOL.md, Gamification).
enum Achievement {
    static let firstMessage = "first_message"
    static let helpful10 = "helpful_10"
    static let streaks = [3: "streak_3", 7: "streak_7", 30: "streak_30"]
}
