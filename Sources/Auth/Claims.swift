import Foundation

/// The verified identity carried by a token.
public struct Claims: Sendable, Equatable {
    /// The roles of the protocol's role table.
    public static let roles: Set<String> = ["admin", "mentor", "student", "guest"]
    /// `scope` entry that marks a moderator bot.
    public static let moderationScope = "moderation"

    /// User id.
    public var sub: String
    /// Tenant id.
    public var org: String
    /// One of `Claims.roles`.
    public var role: String
    public var exp: Date
    public var nbf: Date?
    /// Display name, if the issuer set one.
    public var name: String?
    /// IANA time zone, if the issuer set one (otherwise the org's zone applies).
    public var tz: String?
    public var scope: [String]
    /// The earliest the token can have been issued (ms): its `iat`, or without one `exp` minus the
    /// longest lifetime accepted. "Sign out everywhere" refuses tokens that may predate it.
    public var earliestIssueMS: Int64

    public init(
        sub: String, org: String, role: String, exp: Date, nbf: Date? = nil,
        name: String? = nil, tz: String? = nil, scope: [String] = [], earliestIssueMS: Int64 = 0
    ) {
        self.sub = sub
        self.org = org
        self.role = role
        self.exp = exp
        self.nbf = nbf
        self.name = name
        self.tz = tz
        self.scope = scope
        self.earliestIssueMS = earliestIssueMS
    }

    public var isModerator: Bool { scope.contains(Self.moderationScope) }

    /// `exp` in milliseconds since the Unix epoch, the protocol's time unit.
    public var expMS: Int64 { Int64((exp.timeIntervalSince1970 * 1000).rounded(.down)) }
}
