import Crypto
import Foundation
import JWTKit
import Testing

/// Pins down what jwt-kit itself does with `alg`, which is why `TokenVerifier` selects the key
/// by `alg` itself. If a jwt-kit update changes these, revisit TokenVerifier's comment.
@Suite struct JWTKitBehaviourTests {
    struct Payload: JWTPayload {
        var sub: String
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    let claims: [String: Any] = ["sub": "u"]
    let secret = String(repeating: "s", count: 32)

    @Test func keyCollectionIgnoresTheHeaderAlgForHMACKeys() async throws {
        let keys = await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        let mislabelled = TestTokens.hmac(SHA256.self, alg: "HS512", claims: claims, secret: secret)
        let none = TestTokens.hmac(SHA256.self, alg: "none", claims: claims, secret: secret)
        // Accepted: the header says HS512 / none, but the HS256 key verifies the MAC.
        #expect(try await keys.verify(mislabelled, as: Payload.self).sub == "u")
        #expect(try await keys.verify(none, as: Payload.self).sub == "u")
    }

    @Test func keyCollectionUsesTheDefaultKeyNotTheAlgForConfusionTokens() async throws {
        let rsa = try #require(TestTokens.rsaKey)
        let pem = rsa.publicKey.pemRepresentation
        let keys = await JWTKeyCollection().add(
            rsa: try Insecure.RSA.PublicKey(pem: pem), digestAlgorithm: .sha256)
        let forged = TestTokens.hs256(claims, secret: pem)
        // Refused, but only because the RSA key is the default signer: it checks the MAC as an RSA signature.
        await #expect(throws: JWTError.self) { try await keys.verify(forged, as: Payload.self) }
    }
}
