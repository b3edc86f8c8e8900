/// One user's gamification progress in an org.
public struct UserProgress: Sendable, Equatable {
    public var user: String
    /// Delivered messages ever (for `first_message`).
    public var messages: Int = 0
    /// The local day (days since 1970-01-01 in the user's zone) `dayPoints` counts for.
    public var day: Int64 = 0
    public var dayPoints: Int = 0
    public var streakDays: Int = 0
    public var streakBest: Int = 0
    /// Local day of the last delivered message; nil before the first.
    public var streakLastDay: Int64?
    public var helpfulReceived: Int = 0

    public init(user: String) {
        self.user = user
    }
}

/// Points of one user on one leaderboard: `room` is "" for the org's board; `period` is "all" or an ISO week.
public struct ScoreRecord: Sendable, Equatable, Hashable {
    public var room: String
    public var period: String
    public var user: String
    public var points: Int

    public init(room: String, period: String, user: String, points: Int) {
        self.room = room
        self.period = period
        self.user = user
        self.points = points
    }
}

/// A mentor's `helpful` reaction that gave a message's author points, kept so removal takes back exactly those.
public struct HelpfulAward: Sendable, Equatable {
    public var msgID: String
    public var mentor: String
    public var author: String
    public var room: String
    /// The ISO week the points went to.
    public var week: String
    public var at: Int64

    public init(msgID: String, mentor: String, author: String, room: String, week: String, at: Int64) {
        self.msgID = msgID
        self.mentor = mentor
        self.author = author
        self.room = room
        self.week = week
        self.at = at
    }
}

/// Everything gamification keeps about one org.
public struct OrgGamification: Sendable {
    public var progress: [UserProgress]
    public var scores: [ScoreRecord]
    public var achievements: [(user: String, name: String)]
    /// Display names of the org's known users.
    public var names: [String: String]

    public init(progress: [UserProgress], scores: [ScoreRecord], achievements: [(user: String, name: String)], names: [String: String]) {
        self.progress = progress
        self.scores = scores
        self.achievements = achievements
        self.names = names
    }
}

/// Persistence of points, streaks, achievements and helpful awards.
/// Awards and achievements are written at once (they must happen exactly once, even across
/// sessions and nodes); progress and scores are written behind, in batches.
public protocol GamificationStore: Sendable {
    /// Everything of the org, except weekly scores of weeks before `oldestWeek` (e.g. "2026-W47"),
    /// which nobody can ask for any more.
    func loadGamification(org: String, oldestWeek: String) async throws -> OrgGamification
    func saveGamification(org: String, progress: [UserProgress], scores: [ScoreRecord]) async throws
    /// Changes the listed users' progress and adds to scores in ONE transaction, exactly once even
    /// with several nodes updating the same users at once.
    ///
    /// Reads the progress of every user in `users` with a row lock held until the commit
    /// (PostgreSQL: `FOR UPDATE`, plus a lock that also covers users without a row yet; SQLite:
    /// its single write transaction), so concurrent calls for one user run one after the other
    /// and each sees the previous one's result. A user without a row starts as `UserProgress(user:)`.
    /// Then calls `body` once with those values, keyed by user id. `body` mutates them and returns
    /// score INCREMENTS: each `ScoreRecord.points` is a delta (may be negative; several entries for
    /// one board entry add up). The store writes back the progress of listed users whose value
    /// changed (entries `body` adds for unlisted users are ignored; the key wins over `user`) and
    /// applies every increment atomically (`points = points + delta`, creating the entry at `delta`).
    ///
    /// Returns one record per board entry the increments touched, in the order each first
    /// appears, with its NEW TOTAL. Nothing is written when an error is thrown.
    func updateProgress(
        org: String, users: [String], _ body: @escaping @Sendable (inout [String: UserProgress]) -> [ScoreRecord]
    ) async throws -> [ScoreRecord]
    /// Records the achievement; false when the user already had it.
    func awardAchievement(org: String, user: String, name: String, at: Int64) async throws -> Bool
    /// Records the award; false when this mentor already awarded this message.
    func addHelpfulAward(org: String, _ award: HelpfulAward) async throws -> Bool
    /// Removes and returns the award, or nil when there was none.
    func removeHelpfulAward(org: String, msgID: String, mentor: String) async throws -> HelpfulAward?
}
