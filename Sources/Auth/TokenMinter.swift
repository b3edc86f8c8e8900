import Foundation
import JWTKit

/// Issues HS256 tokens with the shared secret, for the `token` CLI command and tests.
public struct TokenMinter: Sendable {
    private let keys: JWTKeyCollection
    /// Adding the key is actor-isolated (async); done once, in the background.
    private let ready: Task<Void, Never>

    public init(hmacSecret: String) throws(AuthError) {
        guard !hmacSecret.isEmpty else { throw AuthError(.configuration, "jwt secret must not be empty") }
        let keys = JWTKeyCollection()
        let secret = HMACSecret.key(hmacSecret)
        ready = Task { await keys.add(hmac: secret, digestAlgorithm: .sha256) }
        self.keys = keys
    }

    /// Refuses claims the verifier would refuse, so a minted token always works until it expires.
    /// Async because jwt-kit's signing is.
    public func mint(
        sub: String, org: String, role: String, name: String? = nil, tz: String? = nil,
        scope: [String] = [], ttlSeconds: Int = 3600, now: Date = Date()
    ) async throws(AuthError) -> String {
        guard ClaimsValidation.isValidID(sub) else { throw AuthError(.invalidClaims, "sub must match [A-Za-z0-9._:@-]{1,128}") }
        guard ClaimsValidation.isValidID(org) else { throw AuthError(.invalidClaims, "org must match [A-Za-z0-9._:@-]{1,128}") }
        guard Claims.roles.contains(role) else { throw AuthError(.invalidClaims, "role must be admin, mentor, student or guest") }
        if let name, !ClaimsValidation.isValidName(name) { throw AuthError(.invalidClaims, ClaimsValidation.nameRule) }
        if let tz, !ClaimsValidation.isKnownTimeZone(tz) {
            throw AuthError(.invalidClaims, "tz must be a known IANA time zone")
        }
        guard ttlSeconds > 0 else { throw AuthError(.invalidClaims, "ttl must be positive") }

        let issuedAt = Int64(now.timeIntervalSince1970.rounded(.down))
        let (exp, overflow) = issuedAt.addingReportingOverflow(Int64(ttlSeconds))
        guard !overflow, Double(exp) <= ClaimsValidation.maxEpochSeconds else {
            throw AuthError(.invalidClaims, "ttl is too long")
        }
        let payload = MintedPayload(
            sub: sub, org: org, role: role, iat: issuedAt, exp: exp,
            name: name, tz: tz, scope: scope.isEmpty ? nil : scope)
        await ready.value
        do {
            return try await keys.sign(payload)
        } catch {
            throw AuthError(.configuration, "could not sign token")
        }
    }
}

/// Integer NumericDates, and optional claims left out rather than null.
private struct MintedPayload: JWTPayload {
    let sub: String
    let org: String
    let role: String
    let iat: Int64
    let exp: Int64
    let name: String?
    let tz: String?
    let scope: [String]?

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
