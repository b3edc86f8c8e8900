/// What a deployment adds to the protocol's claim rules: who may issue tokens, for whom,
/// how far clocks may disagree, and how long a token may live.
public struct TokenRules: Sendable, Equatable {
    /// Clocks of the issuer and this server may disagree by this much (seconds) for `exp` and `nbf`.
    public static let clockSkewLeeway: Double = 30
    /// A week: long enough for a "remember me" web token, short enough that a leaked one dies.
    public static let defaultMaxLifetime: Double = 7 * 86_400

    /// Required `iss` when set.
    public var issuer: String?
    /// When set, `aud` (a string or an array of strings, RFC 7519 §4.1.3) must contain it.
    public var audience: String?
    /// Longest accepted lifetime in seconds: `exp` minus `iat` when present, and `exp` minus now.
    public var maxLifetime: Double

    public init(issuer: String? = nil, audience: String? = nil, maxLifetime: Double = defaultMaxLifetime) {
        self.issuer = issuer
        self.audience = audience
        self.maxLifetime = maxLifetime
    }
}
