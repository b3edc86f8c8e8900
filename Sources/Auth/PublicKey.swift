import JWTKit

/// The asymmetric key a deployment may configure next to the HMAC secret.
/// Its type decides the one extra `alg` accepted: RS256 for RSA, ES256 for P-256.
enum PublicKey: Sendable {
    case rsa(Insecure.RSA.PublicKey)
    case p256(ES256PublicKey)

    var algorithm: String {
        switch self {
        case .rsa: "RS256"
        case .p256: "ES256"
        }
    }

    /// Accepts a `PUBLIC KEY` (SPKI) or `RSA PUBLIC KEY` PEM, or a certificate carrying one.
    init(pem: String) throws(AuthError) {
        if let key = try? Insecure.RSA.PublicKey(pem: pem) {
            self = .rsa(key)
        } else if let key = try? ES256PublicKey(pem: pem) {
            self = .p256(key)
        } else if let key = try? Insecure.RSA.PublicKey(certificatePEM: pem) {
            self = .rsa(key)
        } else if let key = try? ES256PublicKey(certificate: pem) {
            self = .p256(key)
        } else {
            throw AuthError(.configuration, "public key must be an RSA (2048+ bits) or EC P-256 public key in PEM")
        }
    }
}
