import XCTest
@testable import LoadTestKit

/// FIPS 180-4 examples and RFC 4231 HMAC-SHA256 vectors.
final class SHA256Tests: XCTestCase {
    private func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
    private func bytes(hex: String) -> [UInt8] {
        var result: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            result.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return result
    }

    func testKnownDigests() {
        XCTAssertEqual(hex(SHA256.hash(Array("".utf8))), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(hex(SHA256.hash(Array("abc".utf8))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(
            hex(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(
            hex(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testIncrementalUpdateMatchesOneShot() {
        let data = Array((0..<300).map { UInt8(truncatingIfNeeded: $0 * 7) })
        var hasher = SHA256()
        hasher.update(data[0..<63])
        hasher.update(data[63..<64])
        hasher.update(data[64...])
        XCTAssertEqual(hasher.finalize(), SHA256.hash(data))
    }

    func testRFC4231Vectors() {
        // Test case 1
        XCTAssertEqual(
            hex(HMACSHA256.authenticationCode(key: [UInt8](repeating: 0x0b, count: 20), message: Array("Hi There".utf8))),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        // Test case 2
        XCTAssertEqual(
            hex(HMACSHA256.authenticationCode(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        // Test case 3
        XCTAssertEqual(
            hex(HMACSHA256.authenticationCode(key: [UInt8](repeating: 0xaa, count: 20), message: [UInt8](repeating: 0xdd, count: 50))),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe")
        // Test case 4
        XCTAssertEqual(
            hex(HMACSHA256.authenticationCode(key: bytes(hex: "0102030405060708090a0b0c0d0e0f10111213141516171819"), message: [UInt8](repeating: 0xcd, count: 50))),
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b")
        // Test case 6: key longer than the block size
        XCTAssertEqual(
            hex(HMACSHA256.authenticationCode(
                key: [UInt8](repeating: 0xaa, count: 131), message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8))),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        // Test case 7
        XCTAssertEqual(
            hex(HMACSHA256.authenticationCode(
                key: [UInt8](repeating: 0xaa, count: 131),
                message: Array("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".utf8))),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2")
    }
}
