import Crypto
import Foundation

/// Signs HS256 JWTs in-process, so thousands of simulated users need no CLI round trips.
/// Claims follow PROTOCOL.md: `sub`, `org`, `role`, `exp` (plus `iat` and a `name`).
public struct TokenMinter: Sendable {
    private let key: [UInt8]
    /// The header never changes: encode it once.
    private static let header = Base64URL.encode(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8))

    public init(secret: String) {
        key = Array(secret.utf8)
    }

    public func token(sub: String, org: String, role: String, ttlSeconds: Int = 24 * 3600, now: Date = Date()) -> String {
        let issuedAt = Int64(now.timeIntervalSince1970)
        // Ids are [A-Za-z0-9._:@-], so no JSON escaping is needed.
        let claims = #"{"sub":"\#(sub)","org":"\#(org)","role":"\#(role)","name":"\#(sub)","iat":\#(issuedAt),"exp":\#(issuedAt + Int64(ttlSeconds))}"#
        let signingInput = Self.header + "." + Base64URL.encode(Array(claims.utf8))
        let signature = Array(HMAC<SHA256>.authenticationCode(for: Array(signingInput.utf8), using: SymmetricKey(data: key)))
        return signingInput + "." + Base64URL.encode(signature)
    }
}
