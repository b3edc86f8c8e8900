import Crypto
import Foundation

/// Hand-built JWTs for the refusal cases the server's own minter would never produce
/// (alg none, nbf in the future, missing claims, unknown role). HS256 comes straight from
/// swift-crypto, not through the server's JWT code.
enum HandmadeJWT {
    static func token(header: [String: Any] = ["alg": "HS256", "typ": "JWT"], payload: [String: Any], secret: String?) -> String {
        let signingInput = base64URL(Array(jsonText(header).utf8)) + "." + base64URL(Array(jsonText(payload).utf8))
        guard let secret else { return signingInput + "." }
        return signingInput + "." + base64URL(hmacSHA256(key: Array(secret.utf8), message: Array(signingInput.utf8)))
    }

    /// A complete, valid claim set; tests remove or alter fields.
    static func claims(sub: String, org: String, role: String, ttl: Int = 3600) -> [String: Any] {
        let now = Int(Date().timeIntervalSince1970)
        return ["sub": sub, "org": org, "role": role, "iat": now, "exp": now + ttl]
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }
}
