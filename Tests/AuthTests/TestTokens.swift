import Crypto
import CryptoExtras
import Foundation

/// Builds JWTs by hand with swift-crypto, independently of jwt-kit, so tests can set any
/// header or claim and check the verifier against a second implementation.
enum TestTokens {
    static let secret = "dev-secret-change-me"
    static let now = Date(timeIntervalSince1970: 1_700_000_000)
    static let nowSeconds = 1_700_000_000

    /// A valid claim set at `now`; tests remove or replace entries.
    static func claims(_ overrides: [String: Any] = [:], removing: [String] = []) -> [String: Any] {
        var claims: [String: Any] = [
            "sub": "u-1", "org": "acme", "role": "student", "exp": nowSeconds + 600,
        ]
        for (key, value) in overrides { claims[key] = value }
        for key in removing { claims.removeValue(forKey: key) }
        return claims
    }

    static func base64URL(_ data: some DataProtocol) -> String {
        Data(data).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func json(_ object: [String: Any]) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    }

    static func signingInput(header: [String: Any], claims: [String: Any]) -> String {
        base64URL(json(header)) + "." + base64URL(json(claims))
    }

    static func hmac<H: HashFunction>(
        _: H.Type, alg: String, claims: [String: Any], secret: String = secret, header: [String: Any] = [:]
    ) -> String {
        var fullHeader: [String: Any] = ["alg": alg, "typ": "JWT"]
        for (key, value) in header { fullHeader[key] = value }
        let input = signingInput(header: fullHeader, claims: claims)
        let mac = HMAC<H>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return input + "." + base64URL(Data(mac))
    }

    static func hs256(_ claims: [String: Any], secret: String = secret, header: [String: Any] = [:]) -> String {
        hmac(SHA256.self, alg: "HS256", claims: claims, secret: secret, header: header)
    }

    static func rs256(_ claims: [String: Any], key: _RSA.Signing.PrivateKey, alg: String = "RS256") throws -> String {
        let input = signingInput(header: ["alg": alg, "typ": "JWT"], claims: claims)
        let signature = try key.signature(for: SHA256.hash(data: Data(input.utf8)), padding: .insecurePKCS1v1_5)
        return input + "." + base64URL(signature.rawRepresentation)
    }

    static func es256(_ claims: [String: Any], key: P256.Signing.PrivateKey, alg: String = "ES256") throws -> String {
        let input = signingInput(header: ["alg": alg, "typ": "JWT"], claims: claims)
        let signature = try key.signature(for: Data(input.utf8))
        return input + "." + base64URL(signature.rawRepresentation)
    }

    /// Generating RSA keys is slow; one per test process is enough.
    static let rsaKey: _RSA.Signing.PrivateKey? = try? _RSA.Signing.PrivateKey(keySize: .bits2048)
    static let ecKey = P256.Signing.PrivateKey()
}
