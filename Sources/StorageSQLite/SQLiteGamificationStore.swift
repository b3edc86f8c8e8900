import GRDB
import Storage

/// Gamification lives in the same SQLite file as the chat, so one backup holds both.
extension SQLiteChatStore: GamificationStore {
    public func loadGamification(org: String, oldestWeek: String) async throws -> OrgGamification {
        try await pool.read { db in
            let progress = try Row.fetchAll(db, sql: """
                SELECT user, messages, day, day_points, streak_days, streak_best, streak_last_day, helpful_received
                FROM gam_progress WHERE org = ?
                """, arguments: [org]).map(Self.decodeProgress)
            // ISO week names ("2026-W48") sort as text in time order.
            let scores = try Row.fetchAll(
                db, sql: "SELECT room, period, user, points FROM gam_scores WHERE org = ? AND (period = 'all' OR period >= ?)",
                arguments: [org, oldestWeek])
                .map { ScoreRecord(room: $0["room"], period: $0["period"], user: $0["user"], points: $0["points"]) }
            let achievements = try Row.fetchAll(db, sql: "SELECT user, name FROM gam_achievements WHERE org = ?", arguments: [org])
                .map { (user: $0["user"] as String, name: $0["name"] as String) }
            var names: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, name FROM users WHERE org = ?", arguments: [org]) {
                names[row["id"]] = try self.cipher.open(row["name"] as String, SealedColumn.userName) as String
            }
            return OrgGamification(progress: progress, scores: scores, achievements: achievements, names: names)
        }
    }

    public func saveGamification(org: String, progress: [UserProgress], scores: [ScoreRecord]) async throws {
        try await pool.write { db in
            let saveProgress = try db.cachedStatement(sql: Self.upsertProgressSQL)
            for user in progress {
                try saveProgress.execute(arguments: [
                    org, user.user, user.messages, user.day, user.dayPoints, user.streakDays, user.streakBest,
                    user.streakLastDay, user.helpfulReceived,
                ])
            }
            let saveScore = try db.cachedStatement(sql: """
                INSERT INTO gam_scores (org, room, period, user, points) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (org, room, period, user) DO UPDATE SET points = excluded.points
                """)
            for score in scores {
                try saveScore.execute(arguments: [org, score.room, score.period, score.user, score.points])
            }
        }
    }

    /// SQLite's one write transaction serialises every writer, so reading, `body` and the writes
    /// see no concurrent change.
    public func updateProgress(
        org: String, users: [String], _ body: @escaping @Sendable (inout [String: UserProgress]) -> [ScoreRecord]
    ) async throws -> [ScoreRecord] {
        var listed: [String] = []
        var seen = Set<String>()
        for user in users where seen.insert(user).inserted { listed.append(user) }
        let wanted = listed
        return try await pool.write { db in
            var progress: [String: UserProgress] = [:]
            for user in wanted { progress[user] = UserProgress(user: user) }
            // Chunked to stay far below SQLite's bound-parameter limit.
            for start in stride(from: 0, to: wanted.count, by: 500) {
                let chunk = Array(wanted[start..<min(start + 500, wanted.count)])
                var arguments: StatementArguments = [org]
                arguments += StatementArguments(chunk)
                let rows = try Row.fetchAll(db, sql: """
                    SELECT user, messages, day, day_points, streak_days, streak_best, streak_last_day, helpful_received
                    FROM gam_progress WHERE org = ? AND user IN (\(Array(repeating: "?", count: chunk.count).joined(separator: ", ")))
                    """, arguments: arguments)
                for row in rows {
                    let loaded = Self.decodeProgress(row)
                    progress[loaded.user] = loaded
                }
            }
            let before = progress
            let increments = body(&progress)

            let saveProgress = try db.cachedStatement(sql: Self.upsertProgressSQL)
            for user in wanted {
                guard var after = progress[user], after != before[user] else { continue }
                after.user = user
                try saveProgress.execute(arguments: [
                    org, user, after.messages, after.day, after.dayPoints, after.streakDays, after.streakBest,
                    after.streakLastDay, after.helpfulReceived,
                ])
            }

            // Summed per board entry, in the order entries first appear.
            var order: [ScoreRecord] = []
            var sums: [ScoreRecord: Int] = [:]
            for increment in increments {
                var key = increment
                key.points = 0
                if sums[key] == nil { order.append(key) }
                sums[key, default: 0] += increment.points
            }
            let addScore = try db.cachedStatement(sql: """
                INSERT INTO gam_scores (org, room, period, user, points) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (org, room, period, user) DO UPDATE SET points = points + excluded.points
                RETURNING points
                """)
            return try order.map { key in
                let total = try Int.fetchOne(addScore, arguments: [org, key.room, key.period, key.user, sums[key] ?? 0]) ?? 0
                return ScoreRecord(room: key.room, period: key.period, user: key.user, points: total)
            }
        }
    }

    public func awardAchievement(org: String, user: String, name: String, at: Int64) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO gam_achievements (org, user, name, at) VALUES (?, ?, ?, ?)",
                arguments: [org, user, name, at])
            return db.changesCount == 1
        }
    }

    public func addHelpfulAward(org: String, _ award: HelpfulAward) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO gam_helpful_awards (org, msg_id, mentor, author, room, week, at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [org, award.msgID, award.mentor, award.author, award.room, award.week, award.at])
            return db.changesCount == 1
        }
    }

    public func removeHelpfulAward(org: String, msgID: String, mentor: String) async throws -> HelpfulAward? {
        try await pool.write { db in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT author, room, week, at FROM gam_helpful_awards WHERE org = ? AND msg_id = ? AND mentor = ?",
                arguments: [org, msgID, mentor])
            else { return nil }
            try db.execute(
                sql: "DELETE FROM gam_helpful_awards WHERE org = ? AND msg_id = ? AND mentor = ?", arguments: [org, msgID, mentor])
            return HelpfulAward(msgID: msgID, mentor: mentor, author: row["author"], room: row["room"], week: row["week"], at: row["at"])
        }
    }

    private static let upsertProgressSQL = """
        INSERT INTO gam_progress (org, user, messages, day, day_points, streak_days, streak_best, streak_last_day, helpful_received)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (org, user) DO UPDATE SET
            messages = excluded.messages, day = excluded.day, day_points = excluded.day_points,
            streak_days = excluded.streak_days, streak_best = excluded.streak_best,
            streak_last_day = excluded.streak_last_day, helpful_received = excluded.helpful_received
        """

    private static func decodeProgress(_ row: Row) -> UserProgress {
        var progress = UserProgress(user: row["user"])
        progress.messages = row["messages"]
        progress.day = row["day"]
        progress.dayPoints = row["day_points"]
        progress.streakDays = row["streak_days"]
        progress.streakBest = row["streak_best"]
        progress.streakLastDay = row["streak_last_day"]
        progress.helpfulReceived = row["helpful_received"]
        return progress
    }
}
