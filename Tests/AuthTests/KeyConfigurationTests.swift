import Auth
import Crypto
import CryptoExtras
import Foundation
import Testing

@Suite struct KeyConfigurationTests {
    func configurationError(secret: String = TestTokens.secret, pem: String?) -> AuthError? {
        do {
            _ = try TokenVerifier(hmacSecret: secret, publicKeyPEM: pem)
            return nil
        } catch {
            return error
        }
    }

    @Test func emptySecretIsRefused() {
        #expect(configurationError(secret: "", pem: nil)?.kind == .configuration)
        #expect(throws: AuthError.self) { try TokenMinter(hmacSecret: "") }
    }

    @Test func garbagePEMIsRefused() {
        #expect(configurationError(pem: "not a key")?.kind == .configuration)
        #expect(configurationError(pem: "")?.kind == .configuration)
    }

    @Test func privateKeyPEMIsNotAPublicKey() {
        #expect(configurationError(pem: TestTokens.ecKey.pemRepresentation)?.kind == .configuration)
    }

    @Test func otherCurvesAndSmallRSAKeysAreRefused() throws {
        #expect(configurationError(pem: P384.Signing.PrivateKey().publicKey.pemRepresentation)?.kind == .configuration)
        let small = try _RSA.Signing.PrivateKey(unsafeKeySize: .init(bitCount: 1024))
        #expect(configurationError(pem: small.publicKey.pemRepresentation)?.kind == .configuration)
    }

    @Test func secretEqualToThePublicKeyIsRefused() {
        let pem = TestTokens.ecKey.publicKey.pemRepresentation
        #expect(configurationError(secret: pem, pem: pem)?.kind == .configuration)
        #expect(configurationError(secret: pem + "\n", pem: pem)?.kind == .configuration)
    }

    @Test func hmacOnlyVerifierAcceptsOnlyHS256() throws {
        #expect(try TokenVerifier(hmacSecret: "s", publicKeyPEM: nil).algorithms == ["HS256"])
    }
}
