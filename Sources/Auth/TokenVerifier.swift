import Foundation
import JSONValues
import JWTKit

/// Verifies client JWTs: HS256 with the shared secret, plus RS256 or ES256 when a public key is configured.
///
/// The header's `alg` picks exactly one key, and each algorithm has its own single-key
/// jwt-kit collection. jwt-kit alone does not enforce this: it picks the signer by `kid`
/// (or its default) and ignores `alg` for non-JWK keys, so a token labelled HS512 but
/// MACed with HS256 would pass. Pinning alg → key also rules out alg confusion (an HS256
/// token "signed" with the public key PEM as secret is only ever checked against the secret).
public final class TokenVerifier: Sendable {
    /// Longer tokens are refused before any parsing; real ones are well under 2 KB.
    public static let maxTokenBytes = 8192

    private let keys: [String: JWTKeyCollection]
    /// Adding keys to a collection is actor-isolated (async); this finishes it once, in the background.
    private let ready: Task<Void, Never>

    /// The algorithms this verifier accepts, e.g. `["HS256", "RS256"]`.
    public let algorithms: Set<String>

    /// Issuer, audience and lifetime checks on top of the protocol's claim rules.
    public let rules: TokenRules

    public init(hmacSecret: String, publicKeyPEM: String? = nil, rules: TokenRules = TokenRules()) throws(AuthError) {
        guard !hmacSecret.isEmpty else { throw AuthError(.configuration, "jwt secret must not be empty") }
        let hmac = JWTKeyCollection()
        var keys = ["HS256": hmac]
        var publicKey: PublicKey?
        if let pem = publicKeyPEM {
            // A secret equal to the public key would let anyone forge HS256 tokens.
            guard pem.trimmingCharacters(in: .whitespacesAndNewlines)
                != hmacSecret.trimmingCharacters(in: .whitespacesAndNewlines)
            else { throw AuthError(.configuration, "jwt secret must not be the public key") }
            let key = try PublicKey(pem: pem)
            keys[key.algorithm] = JWTKeyCollection()
            publicKey = key
        }
        let asymmetric = publicKey.flatMap { keys[$0.algorithm] }
        let secret = HMACSecret.key(hmacSecret)
        ready = Task {
            await hmac.add(hmac: secret, digestAlgorithm: .sha256)
            switch publicKey {
            case .rsa(let key)?: await asymmetric?.add(rsa: key, digestAlgorithm: .sha256)
            case .p256(let key)?: await asymmetric?.add(ecdsa: key)
            case nil: break
            }
        }
        self.keys = keys
        self.algorithms = Set(keys.keys)
        self.rules = rules
    }

    /// Checks signature and claims; `now` is injectable for tests.
    public func verify(_ token: String, now: Date = Date()) async throws(AuthError) -> Claims {
        guard token.utf8.count <= Self.maxTokenBytes else { throw AuthError(.malformed, "token too long") }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) else {
            throw AuthError(.malformed, "malformed token")
        }
        let algorithm = try Self.algorithm(ofHeader: parts[0])
        guard let collection = keys[algorithm] else {
            throw AuthError(.unsupportedAlgorithm, "unsupported token alg")
        }
        await ready.value

        let payload: RawPayload
        do {
            payload = try await collection.verify(token, as: RawPayload.self)
        } catch let error as JWTError where error.errorType == .malformedToken {
            throw AuthError(.malformed, "malformed token")
        } catch {
            // Everything else (bad MAC, wrong-length ECDSA signature, ...) is a signature failure.
            throw AuthError(.badSignature, "bad token signature")
        }
        return try ClaimsValidation.claims(from: payload.fields, now: now, rules: rules)
    }

    /// Reads `alg` from the JOSE header, refusing headers we cannot honour.
    private static func algorithm(ofHeader encoded: Substring) throws(AuthError) -> String {
        guard let data = Base64URL.decode(encoded),
            let header = try? JSONDecoder().decode([String: JSONValue].self, from: data)
        else { throw AuthError(.malformed, "malformed token header") }
        // `crit` lists extensions the verifier must understand (RFC 7515 §4.1.11); we understand none.
        guard header["crit"] == nil else { throw AuthError(.unsupportedAlgorithm, "unsupported token header crit") }
        guard case .string(let alg)? = header["alg"] else { throw AuthError(.malformed, "token header has no alg") }
        return alg
    }
}
