import PostgresNIO
import Storage

/// Points, streaks, achievements and helpful awards, shared by every node. Whatever must happen
/// once cluster-wide is decided here: awards and achievements by their primary keys
/// (`ON CONFLICT DO NOTHING RETURNING`), progress by row locks in `updateProgress`.
extension PostgresStore { // GamificationStore
    public func loadGamification(org: String, oldestWeek: String) async throws -> OrgGamification {
        let progress = try await rows("""
            SELECT user_id, messages, day, day_points, streak_days, streak_best, streak_last_day, helpful_received
            FROM gam_progress WHERE org = \(esc(org))
            """).map(Self.decodeProgress)
        // ISO week names ("2026-W48") sort as text ("C" collation) in time order.
        let scores = try await rows("""
            SELECT room, period, user_id, points FROM gam_scores WHERE org = \(esc(org)) AND (period = 'all' OR period >= \(esc(oldestWeek)))
            """).map(Self.decodeScore)
        let achievements = try await rows("SELECT user_id, name FROM gam_achievements WHERE org = \(esc(org))").map { row in
            let (user, name) = try row.decode((String, String).self)
            return (user: unesc(user), name: unesc(name))
        }
        var names: [String: String] = [:]
        for row in try await rows("SELECT id, name FROM users WHERE org = \(esc(org))") {
            let (id, name) = try row.decode((String, String).self)
            let stored: String = unesc(name)
            names[unesc(id)] = try cipher.open(stored, SealedColumn.userName) as String
        }
        return OrgGamification(progress: progress, scores: scores, achievements: achievements, names: names)
    }

    public func saveGamification(org: String, progress: [UserProgress], scores: [ScoreRecord]) async throws {
        // One row per key (the last given wins, as with one upsert after another).
        var latestProgress: [String: UserProgress] = [:]
        for user in progress { latestProgress[user.user] = user }
        var latestScores: [ScoreKey: Int] = [:]
        for score in scores { latestScores[ScoreKey(score)] = score.points }
        if latestProgress.isEmpty && latestScores.isEmpty { return }
        let progressRows = latestProgress.sorted { $0.key < $1.key }.map(\.value)
        let scoreRows = latestScores.sorted { $0.key < $1.key }
        try await transaction { connection in
            for start in stride(from: 0, to: progressRows.count, by: 1000) {
                let chunk = Array(progressRows[start..<min(start + 1000, progressRows.count)])
                _ = try await connection.query(Self.upsertProgress(org: org, chunk), logger: self.logger).collect()
            }
            if !scoreRows.isEmpty {
                _ = try await connection.query("""
                    INSERT INTO gam_scores (org, room, period, user_id, points)
                    SELECT \(esc(org)), room, period, user_id, points
                    FROM unnest(\(esc(scoreRows.map(\.key.room)))::text[], \(esc(scoreRows.map(\.key.period)))::text[],
                                \(esc(scoreRows.map(\.key.user)))::text[], \(esc(scoreRows.map { Int64($0.value) }))::bigint[])
                         AS s(room, period, user_id, points)
                    ON CONFLICT (org, room, period, user_id) DO UPDATE SET points = excluded.points
                    """, logger: self.logger).collect()
            }
        }
    }

    /// Row locks make this exactly-once across nodes: the listed users are locked (a transaction
    /// advisory lock per user, which also covers users without a row yet, then their rows
    /// `FOR UPDATE`) until the commit, so two nodes updating one user run one after the other and
    /// the second sees the first's result. Increments are applied as `points = points + delta`.
    public func updateProgress(
        org: String, users: [String], _ body: @escaping @Sendable (inout [String: UserProgress]) -> [ScoreRecord]
    ) async throws -> [ScoreRecord] {
        // Sorted: every transaction takes its locks in the same order, so two never deadlock.
        let listed = Array(Set(users)).sorted()
        return try await transaction { connection in
            if !listed.isEmpty {
                _ = try await connection.query("""
                    SELECT pg_advisory_xact_lock(hashtextextended(\(esc(org)) || chr(31) || u, 0)) FROM unnest(\(esc(listed))::text[]) AS u
                    """, logger: self.logger).collect()
            }
            var progress: [String: UserProgress] = [:]
            for user in listed { progress[user] = UserProgress(user: user) }
            if !listed.isEmpty {
                for row in try await connection.query("""
                    SELECT user_id, messages, day, day_points, streak_days, streak_best, streak_last_day, helpful_received
                    FROM gam_progress WHERE org = \(esc(org)) AND user_id = ANY(\(esc(listed))::text[])
                    ORDER BY user_id FOR UPDATE
                    """, logger: self.logger).collect() {
                    let loaded = try Self.decodeProgress(row)
                    progress[loaded.user] = loaded
                }
            }
            let before = progress
            let increments = body(&progress)

            // Only the listed (locked) users' rows are written, and only when changed.
            var changed: [UserProgress] = []
            for user in listed {
                guard var after = progress[user], after != before[user] else { continue }
                after.user = user
                changed.append(after)
            }
            if !changed.isEmpty {
                _ = try await connection.query(Self.upsertProgress(org: org, changed), logger: self.logger).collect()
            }

            let deltas = ScoreDeltas(increments)
            if deltas.keys.isEmpty { return [] }
            var totals: [ScoreKey: Int] = [:]
            for row in try await connection.query("""
                INSERT INTO gam_scores (org, room, period, user_id, points)
                SELECT \(esc(org)), room, period, user_id, points
                FROM unnest(\(esc(deltas.keys.map(\.room)))::text[], \(esc(deltas.keys.map(\.period)))::text[],
                            \(esc(deltas.keys.map(\.user)))::text[], \(esc(deltas.keys.map { Int64(deltas.sums[$0] ?? 0) }))::bigint[])
                     AS s(room, period, user_id, points)
                ON CONFLICT (org, room, period, user_id) DO UPDATE SET points = gam_scores.points + excluded.points
                RETURNING room, period, user_id, points
                """, logger: self.logger).collect() {
                let score = try Self.decodeScore(row)
                totals[ScoreKey(score)] = score.points
            }
            return deltas.keys.map { key in
                ScoreRecord(room: key.room, period: key.period, user: key.user, points: totals[key] ?? 0)
            }
        }
    }

    public func awardAchievement(org: String, user: String, name: String, at: Int64) async throws -> Bool {
        try await !rows("""
            INSERT INTO gam_achievements (org, user_id, name, at) VALUES (\(esc(org)), \(esc(user)), \(esc(name)), \(esc(at)))
            ON CONFLICT DO NOTHING RETURNING 1
            """).isEmpty
    }

    public func addHelpfulAward(org: String, _ award: HelpfulAward) async throws -> Bool {
        try await !rows("""
            INSERT INTO gam_helpful_awards (org, msg_id, mentor, author, room, week, at)
            VALUES (\(esc(org)), \(esc(award.msgID)), \(esc(award.mentor)), \(esc(award.author)), \(esc(award.room)), \(esc(award.week)), \(esc(award.at)))
            ON CONFLICT DO NOTHING RETURNING 1
            """).isEmpty
    }

    public func removeHelpfulAward(org: String, msgID: String, mentor: String) async throws -> HelpfulAward? {
        guard let row = try await rows("""
            DELETE FROM gam_helpful_awards WHERE org = \(esc(org)) AND msg_id = \(esc(msgID)) AND mentor = \(esc(mentor))
            RETURNING author, room, week, at
            """).first else { return nil }
        let (author, room, week, at) = try row.decode((String, String, String, Int64).self)
        return HelpfulAward(msgID: msgID, mentor: mentor, author: unesc(author), room: unesc(room), week: unesc(week), at: at)
    }

    // MARK: Helpers

    private static func upsertProgress(org: String, _ progress: [UserProgress]) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: 1 + progress.count * 8)
        bindings.append(esc(org))
        var values: [String] = []
        values.reserveCapacity(progress.count)
        for (index, user) in progress.enumerated() {
            let p = 2 + index * 8
            values.append("($1, $\(p), $\(p + 1)::bigint, $\(p + 2)::bigint, $\(p + 3)::bigint, $\(p + 4)::bigint, $\(p + 5)::bigint, $\(p + 6)::bigint, $\(p + 7)::bigint)")
            bindings.append(esc(user.user))
            bindings.append(Int64(user.messages))
            bindings.append(user.day)
            bindings.append(Int64(user.dayPoints))
            bindings.append(Int64(user.streakDays))
            bindings.append(Int64(user.streakBest))
            bindings.append(user.streakLastDay)
            bindings.append(Int64(user.helpfulReceived))
        }
        return PostgresQuery(unsafeSQL: """
            INSERT INTO gam_progress (org, user_id, messages, day, day_points, streak_days, streak_best, streak_last_day, helpful_received)
            VALUES \(esc(values.joined(separator: ", ")))
            ON CONFLICT (org, user_id) DO UPDATE SET
                messages = excluded.messages, day = excluded.day, day_points = excluded.day_points,
                streak_days = excluded.streak_days, streak_best = excluded.streak_best,
                streak_last_day = excluded.streak_last_day, helpful_received = excluded.helpful_received
            """, binds: bindings)
    }

    private static func decodeProgress(_ row: PostgresRow) throws -> UserProgress {
        let (user, messages, day, dayPoints, streakDays, streakBest, streakLastDay, helpfulReceived) =
            try row.decode((String, Int, Int64, Int, Int, Int, Int64?, Int).self)
        var progress = UserProgress(user: unesc(user))
        progress.messages = messages
        progress.day = day
        progress.dayPoints = dayPoints
        progress.streakDays = streakDays
        progress.streakBest = streakBest
        progress.streakLastDay = streakLastDay
        progress.helpfulReceived = helpfulReceived
        return progress
    }

    private static func decodeScore(_ row: PostgresRow) throws -> ScoreRecord {
        let (room, period, user, points) = try row.decode((String, String, String, Int).self)
        return ScoreRecord(room: unesc(room), period: unesc(period), user: unesc(user), points: points)
    }
}

/// One leaderboard entry's identity.
struct ScoreKey: Hashable, Comparable {
    var room: String
    var period: String
    var user: String

    init(_ score: ScoreRecord) {
        room = score.room
        period = score.period
        user = score.user
    }

    static func < (lhs: ScoreKey, rhs: ScoreKey) -> Bool {
        (lhs.room, lhs.period, lhs.user) < (rhs.room, rhs.period, rhs.user)
    }
}

/// Score increments summed per entry, in the order entries first appear.
struct ScoreDeltas {
    var keys: [ScoreKey] = []
    var sums: [ScoreKey: Int] = [:]

    init(_ increments: [ScoreRecord]) {
        for increment in increments {
            let key = ScoreKey(increment)
            if sums[key] == nil { keys.append(key) }
            sums[key, default: 0] += increment.points
        }
    }
}
