/// One leaderboard (an org or a room, one period): every user's points, ordered for O(log n) updates.
struct Leaderboard {
    /// Ordered by points descending, then user id, so `prefix` is the top of the board.
    struct Standing: Comparable {
        var points: Int
        var user: String

        static func < (a: Standing, b: Standing) -> Bool {
            a.points != b.points ? a.points > b.points : a.user < b.user
        }
    }

    private var points: [String: Int] = [:]
    private var order = RankedSet<Standing>()

    func points(of user: String) -> Int { points[user, default: 0] }

    /// Adds `delta` (may be negative) to the user's points; never below zero.
    mutating func add(_ delta: Int, to user: String) {
        let old = points[user]
        let new = max(0, (old ?? 0) + delta)
        if let old { order.remove(Standing(points: old, user: user)) }
        points[user] = new
        order.insert(Standing(points: new, user: user))
    }

    /// Restores a stored score without treating it as a change.
    mutating func load(_ value: Int, for user: String) {
        add(value - points(of: user), to: user)
    }

    /// Takes the user off the board; false when they were not on it.
    mutating func remove(_ user: String) -> Bool {
        guard let old = points.removeValue(forKey: user) else { return false }
        return order.remove(Standing(points: old, user: user))
    }

    func top(_ limit: Int) -> [Standing] {
        order.prefix(limit).filter { $0.points > 0 }
    }
}
