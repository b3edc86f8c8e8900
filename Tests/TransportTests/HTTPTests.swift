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

    func testEveryMethodWithItsBodyReachesTheDeferredHandler() async throws {
        let (server, _) = try makeServer()
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        for method in ["POST", "PUT", "PATCH", "DELETE"] {
            let body = #"{"user":"sam","reason":"spam ✓"}"#
            let response = try RawHTTP.exchange(
                port: server.port,
                request: "\(method) /deferred/bans?x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                    + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
            XCTAssertEqual(response.status, 200, method)
            XCTAssertEqual(response.body, "\(method) /deferred/bans query=x=1 body=\(body)")
            assertSecurityHeaders(response)
        }
        // Without a body (DELETE usually has none) and as a GET.
        let delete = try RawHTTP.get(port: server.port, path: "/deferred/bans/sam", method: "DELETE")
        XCTAssertEqual(delete.body, "DELETE /deferred/bans/sam query= body=")
        let get = try RawHTTP.get(port: server.port, path: "/deferred/users")
        XCTAssertEqual(get.body, "GET /deferred/users query= body=")
    }

    func testBodiesArriveWholeWhenSentInPieces() async throws {
        let (server, _) = try makeServer()
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        let body = String(repeating: "0123456789", count: 3000)
        let fd = try RawHTTP.connectLoopback(port: server.port)
        defer { close(fd) }
        RawHTTP.write(fd, Array("POST /deferred/big HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: \(body.utf8.count)\r\n\r\n".utf8))
        let bytes = Array(body.utf8)
        for start in stride(from: 0, to: bytes.count, by: 7000) {
            try await Task.sleep(for: .milliseconds(20))
            RawHTTP.write(fd, Array(bytes[start..<min(start + 7000, bytes.count)]))
        }
        let response = try RawHTTP.exchange(fd: fd, request: "")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.body, "POST /deferred/big query= body=\(body)")
    }

    func testOversizedOrUnframedBodiesAreRefused() async throws {
        let (server, delegate) = try makeServer()
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        let tooLarge = try RawHTTP.exchange(
            port: server.port,
            request: "POST /deferred/bans HTTP/1.1\r\nHost: x\r\nContent-Length: \(HTTPRequest.maxBodyBytes + 1)\r\n\r\n{}")
        XCTAssertEqual(tooLarge.status, 413)
        let chunked = try RawHTTP.exchange(
            port: server.port,
            request: "POST /deferred/bans HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n")
        XCTAssertEqual(chunked.status, 411)
        // A method the transport does not pass on.
        XCTAssertEqual(try RawHTTP.get(port: server.port, path: "/deferred/bans", method: "OPTIONS").status, 405)
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
