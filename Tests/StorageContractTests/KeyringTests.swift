import Foundation
import Storage
import XCTest

/// The key list's text form and the sealed value form, without a store.
final class KeyringTests: XCTestCase {
    private let keyA = Data(repeating: 7, count: 32).base64EncodedString()
    private let keyB = Data(repeating: 8, count: 32).base64EncodedString()

    func testTheFirstListedKeyIsCurrentAndCommentsAndSeparatorsAreAllowed() throws {
        let ring = try Keyring(parsing: "# rotated 2026-12\nnew:\(keyB)  # current\n\n old : \(keyA) ,")
        XCTAssertEqual(ring.currentID, "new")
        XCTAssertEqual(ring.ids, ["new", "old"])
        XCTAssertEqual(try Keyring(parsing: Keyring.generateEntry()).ids.count, 1, "a generated entry is a valid key file")
    }

    func testMalformedKeyListsAreRefusedWithTheReason() {
        let cases: [(String, String)] = [
            ("", "no keys"), ("# only a comment", "no keys"), ("k1", "<id>:<base64 key>"), ("k1:not-base64!", "32 bytes"),
            ("k1:" + Data(repeating: 1, count: 16).base64EncodedString(), "32 bytes"), ("k1:\(keyA),k1:\(keyB)", "listed twice"),
            ("bad id:\(keyA)", "<id>:<base64 key>"), (String(repeating: "x", count: 33) + ":\(keyA)", "<id>:<base64 key>"),
        ]
        for (text, reason) in cases {
            XCTAssertThrowsError(try Keyring(parsing: text), text) { error in
                XCTAssertTrue("\(error)".contains(reason), "\(text): \(error)")
            }
        }
    }

    func testASealedValueOpensOnlyInItsColumnAndWithItsKey() throws {
        let cipher = FieldCipher(keyring: try Keyring(parsing: "a:\(keyA)"))
        let sealed = cipher.seal("hello", .messageText)
        XCTAssertFalse(sealed.contains("hello"))
        XCTAssertNotEqual(sealed, cipher.seal("hello", .messageText), "a fresh nonce every time")
        XCTAssertEqual(try cipher.open(sealed, .messageText), "hello")
        XCTAssertThrowsError(try cipher.open(sealed, .userName), "moved to another column")
        XCTAssertThrowsError(try FieldCipher(keyring: try Keyring(parsing: "b:\(keyB)")).open(sealed, .messageText), "unknown key id")
        XCTAssertThrowsError(try FieldCipher.plaintext.open(sealed, .messageText), "no keys at all")
        XCTAssertEqual(try cipher.open("written before encryption", .messageText), "written before encryption")
        XCTAssertEqual(FieldCipher.plaintext.seal("as is", .messageText), "as is")
        XCTAssertTrue(cipher.needsResealing("plaintext"))
        XCTAssertFalse(cipher.needsResealing(sealed))
        let rotated = FieldCipher(keyring: try Keyring(parsing: "b:\(keyB),a:\(keyA)"))
        XCTAssertTrue(rotated.needsResealing(sealed))
        XCTAssertEqual(try rotated.open(sealed, .messageText), "hello")
    }
}
