import Storage

/// How activity changes one user's progress: the same rules whether the engine keeps the org in
/// memory (one node) or the shared store does (a cluster).
enum ProgressRules {
    /// What one delivered message did to its author's progress.
    struct Delivery: Sendable {
        /// A message point was earned (below the daily cap).
        var earned = false
        var streakChanged = false
    }

    /// Counts a delivered message on local day `today`: a point while under `dailyCap`, and the streak.
    static func deliver(_ progress: inout UserProgress, today: Int64, dailyCap: Int) -> Delivery {
        var outcome = Delivery()
        progress.messages += 1
        if progress.day != today {
            progress.day = today
            progress.dayPoints = 0
        }
        if progress.dayPoints < dailyCap {
            progress.dayPoints += 1
            outcome.earned = true
        }
        outcome.streakChanged = advanceStreak(&progress, today: today)
        return outcome
    }

    /// Points for a mentor's `helpful` reaction, given (or taken back when removed).
    static let helpfulPoints = 10

    /// Consecutive local days with a delivered message. Returns true when the streak grew or restarted.
    private static func advanceStreak(_ progress: inout UserProgress, today: Int64) -> Bool {
        guard let last = progress.streakLastDay else {
            progress.streakDays = 1
            progress.streakLastDay = today
            progress.streakBest = max(progress.streakBest, 1)
            return true
        }
        let gap = today - last
        // Same local day, or an earlier date after flying west: nothing changes.
        guard gap >= 1 else { return false }
        progress.streakDays = gap == 1 ? progress.streakDays + 1 : 1
        progress.streakLastDay = today
        progress.streakBest = max(progress.streakBest, progress.streakDays)
        return true
    }

    /// The boards a point counts on: the org's and the room's, for all time and for the week.
    static func boards(room: String, week: String) -> [OrgProgress.BoardKey] {
        [
            OrgProgress.BoardKey(room: "", period: "all"), OrgProgress.BoardKey(room: "", period: week),
            OrgProgress.BoardKey(room: room, period: "all"), OrgProgress.BoardKey(room: room, period: week),
        ]
    }
}
