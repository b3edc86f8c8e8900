import Crypto
import Foundation
import XCTest
@testable import LoadTestKit

final class TokenMinterTests: XCTestCase {
    private func decodeSegment(_ segment: Substring) throws -> [String: Any] {
        var base64 = segment.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        let data = try XCTUnwrap(Data(base64Encoded: base64))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func testTokenHasHS256HeaderClaimsAndValidSignature() throws {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let token = TokenMinter(secret: "dev-secret-change-me-loopback-only-0123").token(sub: "u7", org: "lt", role: "student", ttlSeconds: 60, now: now)
        let parts = token.split(separator: ".")
        XCTAssertEqual(parts.count, 3)
        let header = try decodeSegment(parts[0])
        XCTAssertEqual(header["alg"] as? String, "HS256")
        let claims = try decodeSegment(parts[1])
        XCTAssertEqual(claims["sub"] as? String, "u7")
        XCTAssertEqual(claims["org"] as? String, "lt")
        XCTAssertEqual(claims["role"] as? String, "student")
        XCTAssertEqual(claims["exp"] as? Int, 1_700_000_060)
        let expected = Base64URL.encode(Array(HMAC<SHA256>.authenticationCode(for: Array("\(parts[0]).\(parts[1])".utf8), using: SymmetricKey(data: Array("dev-secret-change-me-loopback-only-0123".utf8)))))
        XCTAssertEqual(String(parts[2]), expected)
        XCTAssertFalse(token.contains("="))
    }

    func testKnownJWTSignature() {
        // jwt.io's HS256 example, signed with "your-256-bit-secret".
        let input = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
        let signature = Base64URL.encode(Array(HMAC<SHA256>.authenticationCode(for: Array(input.utf8), using: SymmetricKey(data: Array("your-256-bit-secret".utf8)))))
        XCTAssertEqual(signature, "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")
    }
}
