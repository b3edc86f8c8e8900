import XCTest

@testable import Transport

/// Address blocks and the `X-Forwarded-For` walk, as pure functions.
final class ClientAddressTests: XCTestCase {
    private func network(_ text: String) throws -> IPNetwork {
        try XCTUnwrap(IPNetwork(text), text)
    }

    private func address(_ text: String) throws -> IPAddress {
        try XCTUnwrap(IPAddress(text), text)
    }

    func testNetworksContainTheirAddressesOnly() throws {
        XCTAssertTrue(try network("10.0.0.0/8").contains(address("10.255.1.2")))
        XCTAssertFalse(try network("10.0.0.0/8").contains(address("11.0.0.1")))
        XCTAssertTrue(try network("192.168.1.0/23").contains(address("192.168.0.7")))
        XCTAssertFalse(try network("192.168.1.0/23").contains(address("192.168.2.7")))
        XCTAssertTrue(try network("127.0.0.1").contains(address("127.0.0.1")))
        XCTAssertFalse(try network("127.0.0.1").contains(address("127.0.0.2")))
        XCTAssertTrue(try network("0.0.0.0/0").contains(address("8.8.8.8")))
        XCTAssertTrue(try network("fd00::/8").contains(address("fd12:3456::1")))
        XCTAssertFalse(try network("fd00::/8").contains(address("fe80::1")))
        XCTAssertTrue(try network("[::1]").contains(address("::1")))
        // Families never match each other, except IPv4-mapped IPv6, which is its IPv4 address.
        XCTAssertFalse(try network("::/0").contains(address("10.0.0.1")))
        XCTAssertTrue(try network("10.0.0.0/8").contains(address("::ffff:10.0.0.1")))
        XCTAssertEqual(try address("::ffff:10.0.0.1").description, "10.0.0.1")
        XCTAssertEqual(try address(" [2001:DB8::1] ").description, "2001:db8::1")
    }

    func testMalformedBlocksAreRefused() {
        for text in ["", "10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/x", "10.0.0", "host.example", "10.0.0.1:80"] {
            XCTAssertNil(IPNetwork(text), text)
        }
    }

    func testTheHeaderCountsOnlyFromATrustedPeer() throws {
        let resolver = ClientAddress(trustedProxies: [try network("10.0.0.0/8")])
        XCTAssertEqual(resolver.resolve(peer: "203.0.113.5", forwardedFor: "198.51.100.1"), "203.0.113.5")
        XCTAssertEqual(resolver.resolve(peer: "10.0.0.2", forwardedFor: "198.51.100.1"), "198.51.100.1")
        XCTAssertEqual(resolver.resolve(peer: "10.0.0.2", forwardedFor: nil), "10.0.0.2")
        XCTAssertEqual(ClientAddress(trustedProxies: []).resolve(peer: "10.0.0.2", forwardedFor: "198.51.100.1"), "10.0.0.2")
    }

    func testTheRightmostUntrustedHopIsTheClient() throws {
        let resolver = ClientAddress(trustedProxies: [try network("10.0.0.0/8")])
        // A client forging the header only adds entries left of the one our proxy appended.
        XCTAssertEqual(resolver.resolve(peer: "10.0.0.2", forwardedFor: "1.1.1.1, 198.51.100.1"), "198.51.100.1")
        // Two of our proxies in a row: skip both.
        XCTAssertEqual(resolver.resolve(peer: "10.0.0.2", forwardedFor: "1.1.1.1, 198.51.100.1, 10.0.0.9"), "198.51.100.1")
        // Only our proxies: the farthest one.
        XCTAssertEqual(resolver.resolve(peer: "10.0.0.2", forwardedFor: "10.0.0.7, 10.0.0.9"), "10.0.0.7")
        // Garbage from a misconfigured chain: the last hop we can vouch for.
        XCTAssertEqual(resolver.resolve(peer: "10.0.0.2", forwardedFor: "198.51.100.1, unknown"), "10.0.0.2")
        XCTAssertEqual(resolver.resolve(peer: "10.0.0.2", forwardedFor: "unknown, 10.0.0.9"), "10.0.0.9")
        XCTAssertEqual(resolver.resolve(peer: "10.0.0.2", forwardedFor: "[2001:db8::7]"), "2001:db8::7")
    }
}
