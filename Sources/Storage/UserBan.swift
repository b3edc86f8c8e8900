/// An admin's ban of a user in one org: why, until when, by whom and since when.
public struct UserBan: Sendable, Equatable {
    public var user: String
    public var reason: String?
    /// When the ban lifts by itself (ms); nil lasts until an admin lifts it.
    public var expiresAt: Int64?
    /// The admin who banned.
    public var by: String
    /// When the ban was set (ms).
    public var at: Int64

    public init(user: String, reason: String?, expiresAt: Int64?, by: String, at: Int64) {
        self.user = user
        self.reason = reason
        self.expiresAt = expiresAt
        self.by = by
        self.at = at
    }

    public func isActive(at now: Int64) -> Bool {
        expiresAt.map { $0 > now } ?? true
    }
}
