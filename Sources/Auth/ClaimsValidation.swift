import Foundation
import JSONValues
import Wire

/// Turns a verified payload into `Claims`, enforcing the protocol's claim rules.
enum ClaimsValidation {
    /// Ids (`sub`, `org`): `[A-Za-z0-9._:@-]{1,128}`.
    static func isValidID(_ id: String) -> Bool {
        Identifier.isValid(id)
    }

    static func isKnownTimeZone(_ identifier: String) -> Bool {
        !identifier.isEmpty && TimeZone(identifier: identifier) != nil
    }

    /// Longest accepted display name, in characters; generous, but bounds what we store and fan out.
    static let maxNameLength = 256
    static let nameRule = "name must be at most \(maxNameLength) characters, without control characters"

    /// A display name is shown to others and stored: bounded, and no control characters.
    static func isValidName(_ name: String) -> Bool {
        name.count <= maxNameLength && !name.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    /// Latest accepted `exp`/`nbf` (end of year 9999). Beyond it a value cannot be a
    /// date in seconds (e.g. milliseconds by mistake) and would overflow ms arithmetic.
    static let maxEpochSeconds: Double = 253_402_300_799

    static func claims(from fields: [String: JSONValue], now: Date, rules: TokenRules) throws(AuthError) -> Claims {
        let sub = try id("sub", in: fields)
        let org = try id("org", in: fields)

        guard let roleValue = fields["role"], roleValue != .null else { throw invalid("missing role claim") }
        guard case .string(let role) = roleValue, Claims.roles.contains(role) else {
            throw invalid("role must be admin, mentor, student or guest")
        }

        guard let exp = try date("exp", in: fields) else { throw invalid("missing exp claim") }
        let nbf = try date("nbf", in: fields)
        let iat = try date("iat", in: fields)

        let name: String?
        switch fields["name"] {
        case nil, .null?: name = nil
        case .string(let value)? where isValidName(value): name = value
        case .string?: throw invalid(nameRule)
        default: throw invalid("name must be a string")
        }

        let tz: String?
        switch fields["tz"] {
        case nil, .null?: tz = nil
        case .string(let value)? where isKnownTimeZone(value): tz = value
        default: throw invalid("tz must be a known IANA time zone")
        }

        var scope: [String] = []
        switch fields["scope"] {
        case nil, .null?: break
        case .array(let values)?:
            for value in values {
                guard case .string(let entry) = value else { throw invalid("scope must be an array of strings") }
                scope.append(entry)
            }
        default: throw invalid("scope must be an array of strings")
        }

        try checkIssuer(fields["iss"], rules.issuer)
        try checkAudience(fields["aud"], rules.audience)

        // Time checks last, so a structurally bad token is reported as such whatever its age.
        let leeway = TokenRules.clockSkewLeeway
        guard exp.timeIntervalSince(now) > -leeway else { throw AuthError(.expired, "token expired") }
        if let nbf, nbf.timeIntervalSince(now) > leeway { throw AuthError(.notYetValid, "token not yet valid") }
        // A stolen long-lived token is a permanent key; bound it whoever minted it.
        let lifetime = max(exp.timeIntervalSince(now), iat.map { exp.timeIntervalSince($0) } ?? 0)
        guard lifetime <= rules.maxLifetime else {
            throw invalid("token lifetime exceeds max_token_lifetime_s (\(Int(rules.maxLifetime)) s)")
        }

        let earliestIssue = iat ?? exp.addingTimeInterval(-rules.maxLifetime)
        return Claims(
            sub: sub, org: org, role: role, exp: exp, nbf: nbf, name: name, tz: tz, scope: scope,
            earliestIssueMS: Int64((earliestIssue.timeIntervalSince1970 * 1000).rounded(.down)))
    }

    private static func checkIssuer(_ value: JSONValue?, _ expected: String?) throws(AuthError) {
        guard let expected else { return }
        guard case .string(let issuer)? = value, issuer == expected else { throw invalid("token issuer (iss) not accepted") }
    }

    /// `aud` is one string or an array of strings; the token is for us when it names us.
    private static func checkAudience(_ value: JSONValue?, _ expected: String?) throws(AuthError) {
        guard let expected else { return }
        switch value {
        case .string(let audience)? where audience == expected: return
        case .array(let audiences)? where audiences.contains(.string(expected)): return
        default: throw invalid("token audience (aud) not accepted")
        }
    }

    private static func id(_ key: String, in fields: [String: JSONValue]) throws(AuthError) -> String {
        guard let value = fields[key], value != .null else { throw invalid("missing \(key) claim") }
        guard case .string(let id) = value, isValidID(id) else {
            throw invalid("\(key) must match [A-Za-z0-9._:@-]{1,128}")
        }
        return id
    }

    /// NumericDate (RFC 7519 §2): seconds since the epoch, possibly fractional.
    private static func date(_ key: String, in fields: [String: JSONValue]) throws(AuthError) -> Date? {
        switch fields[key] {
        case nil, .null?:
            return nil
        case .number(let seconds)? where seconds.isFinite && abs(seconds) <= maxEpochSeconds:
            return Date(timeIntervalSince1970: seconds)
        default:
            throw invalid("\(key) must be a NumericDate in seconds")
        }
    }

    private static func invalid(_ message: String) -> AuthError {
        AuthError(.invalidClaims, message)
    }
}
