/// The authenticated user behind a session, as the token says.
public struct Principal: Sendable, Equatable {
    public var org: String
    public var user: String
    public var name: String
    public var role: Role
    /// `scope` contains "moderation": a moderator bot.
    public var isModerator: Bool
    /// The token's `tz` (IANA name); nil means the org's zone.
    public var timeZone: String?

    public init(org: String, user: String, name: String, role: Role, isModerator: Bool = false, timeZone: String? = nil) {
        self.org = org
        self.user = user
        self.name = name
        self.role = role
        self.isModerator = isModerator
        self.timeZone = timeZone
    }

    public var ref: UserRef { UserRef(id: user, name: name, role: role) }
}
