import Auth
import Crypto
import CryptoExtras
import Foundation
import Testing

@Suite struct TokenVerifierTests {
    let now = TestTokens.now
    let verifier: TokenVerifier

    init() throws {
        verifier = try TokenVerifier(hmacSecret: TestTokens.secret, publicKeyPEM: nil)
    }

    /// Verifies and returns the error, checking the close-reason size limit on the way.
    func rejection(_ token: String, by verifier: TokenVerifier? = nil, at time: Date? = nil) async -> AuthError? {
        do {
            _ = try await (verifier ?? self.verifier).verify(token, now: time ?? now)
            return nil
        } catch {
            #expect(error.message.utf8.count <= AuthError.maxMessageBytes)
            #expect(!error.message.isEmpty)
            return error
        }
    }

    // MARK: accepted

    @Test func hs256TokenWithAllClaims() async throws {
        let token = TestTokens.hs256(TestTokens.claims([
            "name": "Ada", "tz": "Europe/Berlin", "scope": ["moderation", "x"], "nbf": TestTokens.nowSeconds - 5,
        ]))
        let claims = try await verifier.verify(token, now: now)
        #expect(claims == Claims(
            sub: "u-1", org: "acme", role: "student", exp: now.addingTimeInterval(600),
            nbf: now.addingTimeInterval(-5), name: "Ada", tz: "Europe/Berlin", scope: ["moderation", "x"],
            earliestIssueMS: Int64((now.timeIntervalSince1970 + 600 - TokenRules.defaultMaxLifetime) * 1000)))
        #expect(claims.isModerator)
        #expect(claims.expMS == 1_700_000_600_000)
    }

    @Test func optionalClaimsDefault() async throws {
        let claims = try await verifier.verify(TestTokens.hs256(TestTokens.claims()), now: now)
        #expect(claims.name == nil && claims.tz == nil && claims.nbf == nil && claims.scope.isEmpty)
        #expect(!claims.isModerator)
    }

    @Test(arguments: ["admin", "mentor", "student", "guest"])
    func everyRoleAccepted(role: String) async throws {
        let claims = try await verifier.verify(TestTokens.hs256(TestTokens.claims(["role": role])), now: now)
        #expect(claims.role == role)
    }

    @Test func idsUseTheWholeAlphabet() async throws {
        let id = "A-z_0.9:x@y"
        let long = String(repeating: "a", count: 128)
        let claims = try await verifier.verify(TestTokens.hs256(TestTokens.claims(["sub": id, "org": long])), now: now)
        #expect(claims.sub == id && claims.org == long)
    }

    @Test func fractionalExpAndNullOptionals() async throws {
        let token = TestTokens.hs256(TestTokens.claims([
            "exp": Double(TestTokens.nowSeconds) + 0.5, "name": NSNull(), "tz": NSNull(), "scope": NSNull(),
        ]))
        let claims = try await verifier.verify(token, now: now)
        #expect(claims.exp == now.addingTimeInterval(0.5))
    }

    @Test func unknownHeaderKidAndExtraClaimsAreIgnored() async throws {
        let token = TestTokens.hs256(TestTokens.claims(["iss": "x", "aud": ["y"]]), header: ["kid": "other"])
        #expect(try await verifier.verify(token, now: now).sub == "u-1")
    }

    @Test func rs256WithConfiguredRSAKey() async throws {
        let key = try #require(TestTokens.rsaKey)
        let verifier = try TokenVerifier(hmacSecret: TestTokens.secret, publicKeyPEM: key.publicKey.pemRepresentation)
        #expect(verifier.algorithms == ["HS256", "RS256"])
        let claims = try await verifier.verify(try TestTokens.rs256(TestTokens.claims(), key: key), now: now)
        #expect(claims.sub == "u-1")
        // HS256 stays accepted alongside.
        #expect(try await verifier.verify(TestTokens.hs256(TestTokens.claims()), now: now).org == "acme")
    }

    @Test func es256WithConfiguredP256Key() async throws {
        let key = TestTokens.ecKey
        let verifier = try TokenVerifier(hmacSecret: TestTokens.secret, publicKeyPEM: key.publicKey.pemRepresentation)
        #expect(verifier.algorithms == ["HS256", "ES256"])
        let claims = try await verifier.verify(try TestTokens.es256(TestTokens.claims(), key: key), now: now)
        #expect(claims.role == "student")
        #expect(try await verifier.verify(TestTokens.hs256(TestTokens.claims()), now: now).org == "acme")
    }

    @Test func mintedTokenVerifies() async throws {
        let minter = try TokenMinter(hmacSecret: TestTokens.secret)
        let token = try await minter.mint(
            sub: "m-1", org: "o", role: "mentor", name: "Grace", tz: "Asia/Tokyo", scope: ["moderation"],
            ttlSeconds: 60, now: now)
        let claims = try await verifier.verify(token, now: now.addingTimeInterval(59))
        #expect(claims == Claims(
            sub: "m-1", org: "o", role: "mentor", exp: now.addingTimeInterval(60), name: "Grace",
            tz: "Asia/Tokyo", scope: ["moderation"], earliestIssueMS: Int64(now.timeIntervalSince1970 * 1000)))
        #expect(await rejection(token, at: now.addingTimeInterval(60 + TokenRules.clockSkewLeeway))?.kind == .expired)
    }

    // MARK: malformed

    @Test(arguments: [
        "", "abc", "a.b", "a.b.c.d", "..", "a..c", "!!!.e30.sig",
        "bm90IGpzb24.e30.c2ln",  // header is not JSON
        "W10.e30.c2ln",  // header is a JSON array
        "e30.e30.c2ln",  // header without alg
        "eyJhbGciOjF9.e30.c2ln",  // alg is a number
        "eyJhbGciOiJIUzI1NiJ9+.e30.c2ln",  // plain base64 alphabet
    ])
    func malformedTokens(token: String) async {
        #expect(await rejection(token)?.kind == .malformed)
    }

    @Test func overlongTokenIsRefusedUnparsed() async {
        let token = TestTokens.hs256(TestTokens.claims(["name": String(repeating: "n", count: 9000)]))
        #expect(await rejection(token) == AuthError(.malformed, "token too long"))
    }

    @Test func signedPayloadThatIsNotJSONObject() async {
        let header = TestTokens.base64URL(Data(#"{"alg":"HS256"}"#.utf8))
        for body in ["not json", "[1,2]", "42"] {
            let input = header + "." + TestTokens.base64URL(Data(body.utf8))
            let mac = HMAC<SHA256>.authenticationCode(
                for: Data(input.utf8), using: SymmetricKey(data: Data(TestTokens.secret.utf8)))
            let token = input + "." + TestTokens.base64URL(Data(mac))
            #expect(await rejection(token)?.kind == .malformed, "\(body)")
        }
    }

    // MARK: signature and alg

    @Test func wrongSecret() async {
        #expect(await rejection(TestTokens.hs256(TestTokens.claims(), secret: "other"))?.kind == .badSignature)
    }

    @Test func tamperedPayload() async {
        let token = TestTokens.hs256(TestTokens.claims())
        let parts = token.split(separator: ".")
        let forged = TestTokens.base64URL(TestTokens.json(TestTokens.claims(["role": "admin"])))
        #expect(await rejection("\(parts[0]).\(forged).\(parts[2])")?.kind == .badSignature)
    }

    @Test func truncatedAndGarbageSignatures() async {
        let token = TestTokens.hs256(TestTokens.claims())
        #expect(await rejection(String(token.dropLast(4)))?.kind == .badSignature)
        let input = token.split(separator: ".").prefix(2).joined(separator: ".")
        #expect(await rejection(input + ".AAAA")?.kind == .badSignature)
    }

    @Test func algNone() async {
        let input = TestTokens.signingInput(header: ["alg": "none", "typ": "JWT"], claims: TestTokens.claims())
        #expect(await rejection(input + ".")?.kind == .malformed)  // empty signature part
        #expect(await rejection(input + ".e30")?.kind == .unsupportedAlgorithm)
        let lower = TestTokens.signingInput(header: ["alg": "hs256"], claims: TestTokens.claims())
        #expect(await rejection(lower + ".e30")?.kind == .unsupportedAlgorithm)
    }

    @Test func otherHMACAlgorithmsWithTheRightSecret() async {
        let hs512 = TestTokens.hmac(SHA512.self, alg: "HS512", claims: TestTokens.claims())
        let hs384 = TestTokens.hmac(SHA384.self, alg: "HS384", claims: TestTokens.claims())
        #expect(await rejection(hs512)?.kind == .unsupportedAlgorithm)
        #expect(await rejection(hs384)?.kind == .unsupportedAlgorithm)
        // Mislabelled: an HS256 MAC under an HS512 header (jwt-kit alone accepts this, see JWTKitBehaviourTests).
        let mislabelled = TestTokens.hmac(SHA256.self, alg: "HS512", claims: TestTokens.claims())
        #expect(await rejection(mislabelled)?.kind == .unsupportedAlgorithm)
        // And an HS512 MAC under an HS256 header.
        let wrongMAC = TestTokens.hmac(SHA512.self, alg: "HS256", claims: TestTokens.claims())
        #expect(await rejection(wrongMAC)?.kind == .badSignature)
    }

    @Test func asymmetricAlgorithmsWithoutAConfiguredKey() async throws {
        let key = try #require(TestTokens.rsaKey)
        #expect(await rejection(try TestTokens.rs256(TestTokens.claims(), key: key))?.kind == .unsupportedAlgorithm)
        #expect(await rejection(try TestTokens.es256(TestTokens.claims(), key: TestTokens.ecKey))?.kind == .unsupportedAlgorithm)
    }

    @Test func asymmetricAlgorithmOfTheOtherKeyType() async throws {
        let rsa = try #require(TestTokens.rsaKey)
        let rsaVerifier = try TokenVerifier(hmacSecret: TestTokens.secret, publicKeyPEM: rsa.publicKey.pemRepresentation)
        let es = try TestTokens.es256(TestTokens.claims(), key: TestTokens.ecKey)
        #expect(await rejection(es, by: rsaVerifier)?.kind == .unsupportedAlgorithm)
        // PS256 uses the RSA key but is not the configured algorithm.
        #expect(await rejection(try TestTokens.rs256(TestTokens.claims(), key: rsa, alg: "PS256"), by: rsaVerifier)?.kind == .unsupportedAlgorithm)

        let ecVerifier = try TokenVerifier(hmacSecret: TestTokens.secret, publicKeyPEM: TestTokens.ecKey.publicKey.pemRepresentation)
        #expect(await rejection(try TestTokens.rs256(TestTokens.claims(), key: rsa), by: ecVerifier)?.kind == .unsupportedAlgorithm)
    }

    @Test func signedByAnotherKeyOfTheRightType() async throws {
        let rsa = try #require(TestTokens.rsaKey)
        let otherRSA = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let rsaVerifier = try TokenVerifier(hmacSecret: TestTokens.secret, publicKeyPEM: rsa.publicKey.pemRepresentation)
        #expect(await rejection(try TestTokens.rs256(TestTokens.claims(), key: otherRSA), by: rsaVerifier)?.kind == .badSignature)

        let ecVerifier = try TokenVerifier(hmacSecret: TestTokens.secret, publicKeyPEM: TestTokens.ecKey.publicKey.pemRepresentation)
        let otherEC = P256.Signing.PrivateKey()
        #expect(await rejection(try TestTokens.es256(TestTokens.claims(), key: otherEC), by: ecVerifier)?.kind == .badSignature)
    }

    /// The classic confusion attack: the public key is public, so an attacker MACs an HS256
    /// token with the PEM text as the secret, hoping the server uses "its key" for HMAC.
    @Test func algConfusionHS256SignedWithThePublicKeyPEM() async throws {
        let rsaPEM = try #require(TestTokens.rsaKey).publicKey.pemRepresentation
        let ecPEM = TestTokens.ecKey.publicKey.pemRepresentation
        for pem in [rsaPEM, ecPEM] {
            let verifier = try TokenVerifier(hmacSecret: TestTokens.secret, publicKeyPEM: pem)
            for secret in [pem, pem + "\n", pem.trimmingCharacters(in: .whitespacesAndNewlines)] {
                let forged = TestTokens.hs256(TestTokens.claims(["role": "admin"]), secret: secret)
                #expect(await rejection(forged, by: verifier)?.kind == .badSignature)
            }
        }
    }

    @Test func critHeaderIsRefused() async {
        let token = TestTokens.hs256(TestTokens.claims(), header: ["crit": ["exp"]])
        #expect(await rejection(token)?.kind == .unsupportedAlgorithm)
    }

    // MARK: time

    /// Issuer and server clocks may disagree by 30 s: `exp` counts until exp + 30 s (exclusive).
    @Test func expiryAllowsThirtySecondsOfClockSkew() async {
        let token = TestTokens.hs256(TestTokens.claims(["exp": TestTokens.nowSeconds]))
        #expect(await rejection(token) == nil)
        #expect(await rejection(token, at: now.addingTimeInterval(29)) == nil)
        #expect(await rejection(token, at: now.addingTimeInterval(30))?.kind == .expired)
        #expect(await rejection(TestTokens.hs256(TestTokens.claims(["exp": 0])))?.kind == .expired)
    }

    /// `nbf` up to 30 s ahead of our clock is accepted; further is not yet valid.
    @Test func notBeforeAllowsThirtySecondsOfClockSkew() async {
        #expect(await rejection(TestTokens.hs256(TestTokens.claims(["nbf": TestTokens.nowSeconds + 30]))) == nil)
        let token = TestTokens.hs256(TestTokens.claims(["nbf": TestTokens.nowSeconds + 31]))
        #expect(await rejection(token)?.kind == .notYetValid)
        #expect(await rejection(token, at: now.addingTimeInterval(1)) == nil)
    }

    @Test func expInMillisecondsIsNotAFarFutureDate() async {
        let token = TestTokens.hs256(TestTokens.claims(["exp": TestTokens.nowSeconds * 1000]))
        #expect(await rejection(token)?.kind == .invalidClaims)
    }

    // MARK: claims

    @Test(arguments: ["sub", "org", "role", "exp"])
    func missingRequiredClaim(name: String) async {
        let error = await rejection(TestTokens.hs256(TestTokens.claims(removing: [name])))
        #expect(error == AuthError(.invalidClaims, "missing \(name) claim"))
        let null = await rejection(TestTokens.hs256(TestTokens.claims([name: NSNull()])))
        #expect(null?.kind == .invalidClaims)
    }

    @Test(arguments: ["superuser", "Admin", "", "moderator"])
    func unknownRole(role: String) async {
        #expect(await rejection(TestTokens.hs256(TestTokens.claims(["role": role])))?.kind == .invalidClaims)
    }

    @Test func roleOfWrongType() async {
        #expect(await rejection(TestTokens.hs256(TestTokens.claims(["role": ["admin"]])))?.kind == .invalidClaims)
    }

    @Test(arguments: ["", "has space", "ümlaut", "a/b", "a#b", String(repeating: "x", count: 129), "line\n"])
    func invalidIDs(id: String) async {
        #expect(await rejection(TestTokens.hs256(TestTokens.claims(["sub": id])))?.kind == .invalidClaims)
        #expect(await rejection(TestTokens.hs256(TestTokens.claims(["org": id])))?.kind == .invalidClaims)
    }

    @Test func idsMustBeStrings() async {
        #expect(await rejection(TestTokens.hs256(TestTokens.claims(["sub": 42])))?.kind == .invalidClaims)
        #expect(await rejection(TestTokens.hs256(TestTokens.claims(["org": true])))?.kind == .invalidClaims)
    }

    @Test func scopeMustBeAnArrayOfStrings() async {
        for scope: Any in ["moderation", ["moderation", 1], [["moderation"]], 7, ["k": "v"]] {
            let error = await rejection(TestTokens.hs256(TestTokens.claims(["scope": scope])))
            #expect(error == AuthError(.invalidClaims, "scope must be an array of strings"), "\(scope)")
        }
    }

    /// A name is stored and shown to others: a NUL would cut it short in SQLite, an escape sequence
    /// would reach other people's terminals.
    @Test(arguments: ["Ada\u{0}Lovelace", "\u{1B}[31mred", "tab\there", String(repeating: "n", count: 257)])
    func nameWithControlCharactersOrTooLong(name: String) async {
        let error = await rejection(TestTokens.hs256(TestTokens.claims(["name": name])))
        #expect(error == AuthError(.invalidClaims, "name must be at most 256 characters, without control characters"))
    }

    @Test(arguments: ["Mars/Olympus_Mons", "", "utc/", "Europe/Nowhere"])
    func unknownTimeZone(tz: String) async {
        #expect(await rejection(TestTokens.hs256(TestTokens.claims(["tz": tz])))?.kind == .invalidClaims)
    }

    @Test func timeZoneOfWrongType() async {
        #expect(await rejection(TestTokens.hs256(TestTokens.claims(["tz": 1])))?.kind == .invalidClaims)
    }

    @Test func datesMustBeNumbers() async {
        #expect(await rejection(TestTokens.hs256(TestTokens.claims(["exp": "1700000600"])))?.kind == .invalidClaims)
        #expect(await rejection(TestTokens.hs256(TestTokens.claims(["exp": true])))?.kind == .invalidClaims)
        #expect(await rejection(TestTokens.hs256(TestTokens.claims(["nbf": "soon"])))?.kind == .invalidClaims)
    }

    @Test func nameMustBeAShortString() async {
        #expect(await rejection(TestTokens.hs256(TestTokens.claims(["name": 5])))?.kind == .invalidClaims)
        let long = String(repeating: "n", count: 257)
        #expect(await rejection(TestTokens.hs256(TestTokens.claims(["name": long])))?.kind == .invalidClaims)
    }

    @Test func structuralErrorsWinOverExpiry() async {
        let token = TestTokens.hs256(TestTokens.claims(["exp": 1, "role": "root"]))
        #expect(await rejection(token)?.kind == .invalidClaims)
    }

    @Test func badSignatureWinsOverBadClaims() async {
        let token = TestTokens.hs256(TestTokens.claims(["role": "root"]), secret: "wrong")
        #expect(await rejection(token)?.kind == .badSignature)
    }
}
