import Foundation
import Glibc
import Transport
import XCTest

/// Per-IP edge limits on a real transport, with raw sockets from loopback: the connection cap,
/// and which address the limits (and the delegate) see with and without a trusted proxy.
final class EdgeLimitTests: XCTestCase {
    private let forwarded = "X-Forwarded-For"

    /// Upgrades once with `X-Forwarded-For: header`; returns who the delegate was asked to admit
    /// and the address its connection carries.
    private func addresses(trusting proxies: [IPNetwork], forwardedFor header: String) async throws -> (admitted: [String], connection: String?) {
        let (server, delegate) = try makeServer { $0.trustedProxies = proxies }
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        let (fd, response) = try RawHTTP.openUpgrade(port: server.port, headers: [forwarded: header])
        defer { close(fd) }
        XCTAssertEqual(response.status, 101)
        await eventually { !delegate.opened.isEmpty }
        return (delegate.admissions, delegate.opened.first?.remoteAddress)
    }

    func testForwardedForIsIgnoredFromAnUntrustedPeer() async throws {
        let seen = try await addresses(trusting: [], forwardedFor: "203.0.113.9")
        XCTAssertEqual(seen.admitted, ["127.0.0.1"])
        XCTAssertEqual(seen.connection, "127.0.0.1")
    }

    func testForwardedForNamesTheClientBehindATrustedProxy() async throws {
        let proxies = [IPNetwork("127.0.0.0/8")!, IPNetwork("10.0.0.0/8")!]
        let seen = try await addresses(trusting: proxies, forwardedFor: "6.6.6.6, 203.0.113.9, 10.0.0.4")
        XCTAssertEqual(seen.admitted, ["203.0.113.9"])
        XCTAssertEqual(seen.connection, "203.0.113.9")
    }

    func testConnectionCapPerAddressRefusesWith429UntilOneCloses() async throws {
        let (server, delegate) = try makeServer { $0.maxConnectionsPerIP = 2 }
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        var open: [Int32] = []
        defer { open.forEach { close($0) } }
        for _ in 0..<2 {
            let (fd, response) = try RawHTTP.openUpgrade(port: server.port)
            open.append(fd)
            XCTAssertEqual(response.status, 101)
        }
        let refused = try RawHTTP.upgrade(port: server.port)
        XCTAssertEqual(refused.status, 429)
        XCTAssertEqual(refused.body, "too_many_connections\n")
        XCTAssertEqual(delegate.admissions.count, 2, "a capped handshake never reaches the rate limiter")

        close(open.removeFirst())
        await eventually { delegate.closed.count == 1 }
        let (fd, again) = try RawHTTP.openUpgrade(port: server.port)
        open.append(fd)
        XCTAssertEqual(again.status, 101)
    }

    func testTheCapCountsEachClientBehindATrustedProxySeparately() async throws {
        let (server, _) = try makeServer {
            $0.maxConnectionsPerIP = 1
            $0.trustedProxies = [IPNetwork("127.0.0.1")!]
        }
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        var open: [Int32] = []
        defer { open.forEach { close($0) } }
        for client in ["198.51.100.1", "198.51.100.2"] {
            let (fd, response) = try RawHTTP.openUpgrade(port: server.port, headers: [forwarded: client])
            open.append(fd)
            XCTAssertEqual(response.status, 101, client)
        }
        XCTAssertEqual(try RawHTTP.upgrade(port: server.port, headers: [forwarded: "198.51.100.1"]).status, 429)
        // The proxy's own address is a third client: it has no connection yet.
        let (fd, direct) = try RawHTTP.openUpgrade(port: server.port)
        open.append(fd)
        XCTAssertEqual(direct.status, 101)
    }
}
