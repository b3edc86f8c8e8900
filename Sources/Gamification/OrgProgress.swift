import Storage

/// One org's gamification state in memory: progress per user and every leaderboard.
/// A class, owned by the engine actor alone: updated in place, never copied per event.
final class OrgProgress {
    struct BoardKey: Hashable {
        /// "" for the org's own board.
        var room: String
        /// "all" or an ISO week such as "2026-W48".
        var period: String
    }

    var users: [String: UserProgress] = [:]
    var boards: [BoardKey: Leaderboard] = [:]
    var achievements: Set<String> = []
    var names: [String: String] = [:]
    /// Written behind, in batches.
    var dirtyUsers: Set<String> = []
    var dirtyScores: Set<ScoreKey> = []

    struct ScoreKey: Hashable {
        var board: BoardKey
        var user: String
    }

    init(_ stored: OrgGamification) {
        for progress in stored.progress { users[progress.user] = progress }
        for score in stored.scores {
            boards[BoardKey(room: score.room, period: score.period), default: Leaderboard()].load(score.points, for: score.user)
        }
        for achievement in stored.achievements { achievements.insert(Self.achievementKey(achievement.user, achievement.name)) }
        names = stored.names
    }

    static func achievementKey(_ user: String, _ name: String) -> String { user + "\u{0}" + name }

    /// Adds points to the user on the org's and the room's boards, for all time and for `week`.
    func addPoints(_ delta: Int, user: String, room: String, week: String) -> [BoardKey] {
        let keys = ProgressRules.boards(room: room, week: week)
        for key in keys {
            boards[key, default: Leaderboard()].add(delta, to: user)
            dirtyScores.insert(ScoreKey(board: key, user: user))
        }
        return keys
    }

    /// A total the shared store returned (cluster mode): shown on the board, nothing to write back.
    func setTotal(_ score: ScoreRecord) -> BoardKey {
        let key = BoardKey(room: score.room, period: score.period)
        boards[key, default: Leaderboard()].load(score.points, for: score.user)
        return key
    }

    func progress(_ user: String) -> UserProgress { users[user] ?? UserProgress(user: user) }

    func update(_ progress: UserProgress) {
        users[progress.user] = progress
        dirtyUsers.insert(progress.user)
    }

    /// Drops weekly boards of weeks other than `weeks` (nobody can ask for them), except those
    /// with changes not yet written. Returns how many were dropped.
    func pruneWeeklyBoards(keeping weeks: Set<String>) -> Int {
        let unwritten = Set(dirtyScores.map(\.board))
        let stale = boards.keys.filter { $0.period != "all" && !weeks.contains($0.period) && !unwritten.contains($0) }
        for key in stale { boards[key] = nil }
        return stale.count
    }

    /// Forgets everything about the user (an erasure), unwritten changes included. Returns the
    /// boards they were on.
    func forget(_ user: String) -> [BoardKey] {
        users[user] = nil
        names[user] = nil
        achievements = achievements.filter { !$0.hasPrefix(user + "\u{0}") }
        dirtyUsers.remove(user)
        dirtyScores = dirtyScores.filter { $0.user != user }
        var changed: [BoardKey] = []
        for key in Array(boards.keys) where boards[key]?.remove(user) == true { changed.append(key) }
        return changed
    }

    /// Nothing waits to be written.
    var isClean: Bool { dirtyUsers.isEmpty && dirtyScores.isEmpty }

    /// Takes the changes to write and forgets them.
    func takeDirty() -> (users: [UserProgress], scores: [ScoreRecord]) {
        let changedUsers = dirtyUsers.compactMap { users[$0] }
        let changedScores = dirtyScores.map { key in
            ScoreRecord(room: key.board.room, period: key.board.period, user: key.user, points: boards[key.board]?.points(of: key.user) ?? 0)
        }
        dirtyUsers = []
        dirtyScores = []
        return (changedUsers, changedScores)
    }
}
