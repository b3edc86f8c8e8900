/// Gamification frames (PROTOCOL.md, Gamification).

public struct LeaderboardEntry: Encodable, Sendable, Equatable {
    public var rank: Int
    public var user: String
    public var name: String
    public var points: Int

    public init(rank: Int, user: String, name: String, points: Int) {
        self.rank = rank
        self.user = user
        self.name = name
        self.points = points
    }
}

/// The reply to `subscribe` (with `re`) and every later push (without).
public struct LeaderboardEvent: ServerEvent {
    public let type = "leaderboard"
    public var re: String?
    public var period: String
    public var room: String?
    public var entries: [LeaderboardEntry]

    public init(re: String?, period: String, room: String?, entries: [LeaderboardEntry]) {
        self.re = re
        self.period = period
        self.room = room
        self.entries = entries
    }
}

public struct StreakPush: ServerEvent {
    public let type = "streak"
    public var days: Int
    public var best: Int

    public init(days: Int, best: Int) {
        self.days = days
        self.best = best
    }
}

public struct AchievementPush: ServerEvent {
    public let type = "achievement"
    public var name: String
    public var at: Int64

    public init(name: String, at: Int64) {
        self.name = name
        self.at = at
    }
}
