/// The authenticated user behind a session, as the token says.
public struct Principal: Sendable, Equatable {
    public var org: String
    public var user: String
    public var name: String
    public var role: Role
    /// `scope` contains "moderation": a moderator bot.
    public var isModerator: Bool

    public init(org: String, user: String, name: String, role: Role, isModerator: Bool = false) {
        self.org = org
        self.user = user
        self.name = name
        self.role = role
        self.isModerator = isModerator
    }

    public var ref: UserRef { UserRef(id: user, name: name, role: role) }
}
