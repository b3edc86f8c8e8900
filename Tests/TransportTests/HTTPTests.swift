import Transport
import XCTest

final class HTTPTests: XCTestCase {
    private func assertSecurityHeaders(
        _ response: RawHTTPResponse, tls: Bool = false, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(response.headers["x-content-type-options"], "nosniff", file: file, line: line)
        XCTAssertEqual(response.headers["x-frame-options"], "DENY", file: file, line: line)
        XCTAssertEqual(
            response.headers["content-security-policy"], "default-src 'none'; frame-ancestors 'none'", file: file,
            line: line)
        XCTAssertEqual(response.headers["referrer-policy"], "no-referrer", file: file, line: line)
        XCTAssertEqual(response.headers["cache-control"], "no-store", file: file, line: line)
    }

    func testGetGoesThroughTheDelegateWithSecurityHeaders() async throws {
        let (server, delegate) = try makeServer()
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        let response = try RawHTTP.get(port: server.port, path: "/healthz")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.body, "ok")
        XCTAssertEqual(response.headers["content-type"], "text/plain; charset=utf-8")
        XCTAssertEqual(response.headers["content-length"], "2")
        assertSecurityHeaders(response)
        XCTAssertNil(response.headers["strict-transport-security"])
        XCTAssertEqual(delegate.httpCalls, [.init(path: "/healthz", query: "", authorization: nil)])
    }

    func testQueryAndAuthorizationReachTheDelegate() async throws {
        let (server, delegate) = try makeServer()
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        let response = try RawHTTP.get(
            port: server.port, path: "/echo-request?org=o1&limit=5", headers: ["Authorization": "Bearer abc.def"])
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.body, "query=org=o1&limit=5 auth=Bearer abc.def")
        XCTAssertEqual(delegate.httpCalls.first?.path, "/echo-request")
    }

    func testLargeBodyIsSentWhole() async throws {
        let (server, _) = try makeServer()
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        let response = try RawHTTP.get(port: server.port, path: "/big")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.body.utf8.count, 1 << 20)
    }

    func testUnknownPathIs404WithSecurityHeaders() async throws {
        let (server, _) = try makeServer()
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        let response = try RawHTTP.get(port: server.port, path: "/nope")
        XCTAssertEqual(response.status, 404)
        assertSecurityHeaders(response)
    }

    func testNonGetIs405() async throws {
        let (server, delegate) = try makeServer()
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        let response = try RawHTTP.get(port: server.port, path: "/healthz", method: "POST")
        XCTAssertEqual(response.status, 405)
        XCTAssertEqual(response.headers["allow"], "GET")
        assertSecurityHeaders(response)
        XCTAssertTrue(delegate.httpCalls.isEmpty)
    }

    func testPlainGetOnWebSocketPathAsksForUpgrade() async throws {
        let (server, delegate) = try makeServer()
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        XCTAssertEqual(try RawHTTP.get(port: server.port, path: "/ws").status, 426)
        XCTAssertTrue(delegate.httpCalls.isEmpty)
    }

    func testKeepAliveServesSeveralRequestsOnOneConnection() async throws {
        let (server, delegate) = try makeServer()
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        // Two pipelined requests; the second one closes. Both answers arrive.
        let request =
            "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        _ = try RawHTTP.exchange(port: server.port, request: request)
        await eventually { delegate.httpCalls.map(\.path) == ["/healthz", "/metrics"] }
    }

    func testMetricsOnItsOwnPortOnly() async throws {
        let (server, delegate) = try makeServer { $0.metricsPort = 0 }
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        let metricsPort = try XCTUnwrap(server.metricsPort)
        XCTAssertNotEqual(metricsPort, server.port)
        XCTAssertNotEqual(metricsPort, 0)

        let metrics = try RawHTTP.get(port: metricsPort, path: "/metrics")
        XCTAssertEqual(metrics.status, 200)
        XCTAssertEqual(metrics.body, "rts_up 1\n")
        assertSecurityHeaders(metrics)
        XCTAssertEqual(try RawHTTP.get(port: server.port, path: "/metrics").status, 404)
        XCTAssertEqual(try RawHTTP.get(port: metricsPort, path: "/healthz").status, 404)
        XCTAssertEqual(try RawHTTP.upgrade(port: metricsPort, path: "/ws").status, 404)
        XCTAssertEqual(delegate.httpCalls.map(\.path), ["/metrics"])
        // The main port still serves everything else.
        XCTAssertEqual(try RawHTTP.get(port: server.port, path: "/healthz").status, 200)
    }

    func testMetricsOnMainPortWithoutMetricsPort() async throws {
        let (server, _) = try makeServer()
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        XCTAssertNil(server.metricsPort)
        XCTAssertEqual(try RawHTTP.get(port: server.port, path: "/metrics").status, 200)
    }

    func testStartFailsWhenThePortIsTaken() async throws {
        let (server, _) = try makeServer()
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        XCTAssertThrowsError(try makeServer { $0.port = server.port })
    }
}
