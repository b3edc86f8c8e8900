import XCTest

/// PROTOCOL.md § Running it (HTTP endpoints on the listen port).
final class HTTPConformanceTests: ConformanceTestCase {
    func testHealthzIs200() async throws {
        let response = try await RawHTTP.get(port: server.port, path: "/healthz")
        XCTAssertEqual(response.status, 200)
    }

    func testReadyzIs200WhenStorageIsUsable() async throws {
        var response = try await RawHTTP.get(port: server.port, path: "/readyz")
        // Readiness may be refreshed by a background check right after start.
        for _ in 0..<20 where response.status != 200 {
            try await Task.sleep(for: .milliseconds(100))
            response = try await RawHTTP.get(port: server.port, path: "/readyz")
        }
        XCTAssertEqual(response.status, 200)
    }

    func testMetricsArePrometheusTextWithRtsNames() async throws {
        // Some activity first, so counters and gauges exist.
        let client = try await user("metrics-user", "mentor")
        let room = Fresh.id("room")
        try await client.createRoom(room, visibility: "org")
        try await client.join(room)
        try await client.say("count me", in: room)

        let response = try await RawHTTP.get(port: server.port, path: "/metrics")
        XCTAssertEqual(response.status, 200)
        XCTAssertTrue(response.headers["content-type"]?.hasPrefix("text/plain") ?? false, "Prometheus text format: \(response.headers)")
        let lines = response.body.split(separator: "\n")
        XCTAssertTrue(lines.contains { $0.hasPrefix("# TYPE rts_") }, "metric families named rts_…: \(response.body.prefix(500))")
        XCTAssertTrue(lines.contains { $0.hasPrefix("rts_") }, "samples named rts_…")
    }

    func testResponsesCarrySecurityHeaders() async throws {
        for path in ["/healthz", "/metrics"] {
            let response = try await RawHTTP.get(port: server.port, path: path)
            XCTAssertEqual(response.headers["x-content-type-options"]?.lowercased(), "nosniff", "\(path): \(response.headers)")
            XCTAssertTrue(
                response.headers["x-frame-options"] != nil || response.headers["content-security-policy"]?.contains("frame-ancestors") == true,
                "\(path): framing is refused: \(response.headers)")
        }
    }

    func testUnknownPathIs404() async throws {
        let response = try await RawHTTP.get(port: server.port, path: "/no-such-endpoint")
        XCTAssertEqual(response.status, 404)
    }
}
