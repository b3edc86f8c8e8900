import HTTPTypes
import NIOCore
import Transport
import WSClient
import XCTest

final class HandshakeTests: XCTestCase {
    private let securityHeaders = [
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
        "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
        "referrer-policy": "no-referrer",
        "cache-control": "no-store",
    ]

    private func assertSecurityHeaders(_ response: RawHTTPResponse, file: StaticString = #filePath, line: UInt = #line) {
        for (name, value) in securityHeaders {
            XCTAssertEqual(response.headers[name], value, name, file: file, line: line)
        }
        XCTAssertNil(response.headers["strict-transport-security"], file: file, line: line)
    }

    func testHandshakeWithSubprotocolSelectsIt() async throws {
        let (server, _) = try makeServer()
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        let response = try RawHTTP.upgrade(port: server.port, headers: ["Sec-WebSocket-Protocol": "rts.v1"])
        XCTAssertEqual(response.status, 101)
        XCTAssertEqual(response.headers["sec-websocket-protocol"], "rts.v1")
    }

    func testHandshakeOfferingUnknownAndKnownSelectsKnown() async throws {
        let (server, _) = try makeServer()
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        let response = try RawHTTP.upgrade(port: server.port, headers: ["Sec-WebSocket-Protocol": "chat.v9, rts.v1"])
        XCTAssertEqual(response.status, 101)
        XCTAssertEqual(response.headers["sec-websocket-protocol"], "rts.v1")
    }

    func testHandshakeWithoutSubprotocolIsAccepted() async throws {
        let (server, delegate) = try makeServer()
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        let response = try RawHTTP.upgrade(port: server.port)
        XCTAssertEqual(response.status, 101)
        XCTAssertNil(response.headers["sec-websocket-protocol"])
        XCTAssertEqual(delegate.admissions, ["127.0.0.1"])
        await eventually { delegate.opened.first?.remoteAddress == "127.0.0.1" }
    }

    func testWSClientRoundTripWithAndWithoutSubprotocol() async throws {
        let (server, _) = try makeServer()
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        for headers: HTTPFields in [[.secWebSocketProtocol: "rts.v1"], [:]] {
            let got = Box<[WebSocketMessage]>([])
            try await runClient("ws://127.0.0.1:\(server.port)/ws", headers: headers) { inbound, outbound, _ in
                try await outbound.write(.text("hi"))
                var iterator = inbound.messages(maxSize: 1 << 16).makeAsyncIterator()
                if let message = try await iterator.next() { got.update { $0.append(message) } }
            }
            XCTAssertEqual(got.value, [.text("hi")])
        }
    }

    func testOnlyUnknownSubprotocolsAreRefusedWith403() async throws {
        let (server, delegate) = try makeServer()
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        let response = try RawHTTP.upgrade(port: server.port, headers: ["Sec-WebSocket-Protocol": "chat.v9, mqtt"])
        XCTAssertEqual(response.status, 403)
        assertSecurityHeaders(response)
        XCTAssertTrue(delegate.admissions.isEmpty, "refused before admission")

        // And through an independent client: the upgrade fails.
        do {
            try await runClient("ws://127.0.0.1:\(server.port)/ws", headers: [.secWebSocketProtocol: "chat.v9"]) { _, _, _ in }
            XCTFail("handshake should fail")
        } catch {}
        XCTAssertTrue(delegate.opened.isEmpty)
    }

    func testDisallowedOriginIsRefusedWith403() async throws {
        let (server, delegate) = try makeServer { $0.allowedOrigins = ["https://app.example.com"] }
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        let refused = try RawHTTP.upgrade(port: server.port, headers: ["Origin": "https://evil.example"])
        XCTAssertEqual(refused.status, 403)
        assertSecurityHeaders(refused)
        let allowed = try RawHTTP.upgrade(port: server.port, headers: ["Origin": "https://app.example.com"])
        XCTAssertEqual(allowed.status, 101)
        // Non-browser clients send no Origin; they are not cross-site and are accepted.
        let noOrigin = try RawHTTP.upgrade(port: server.port)
        XCTAssertEqual(noOrigin.status, 101)
        await eventually { delegate.opened.count == 2 }
    }

    func testAdmissionRefusedIsAnswered429() async throws {
        let (server, delegate) = try makeServer()
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        delegate.admit = false
        let response = try RawHTTP.upgrade(port: server.port)
        XCTAssertEqual(response.status, 429)
        assertSecurityHeaders(response)
        XCTAssertEqual(delegate.admissions, ["127.0.0.1"])
        XCTAssertTrue(delegate.opened.isEmpty)
    }

    func testStopAcceptingAnswers503() async throws {
        let (server, delegate) = try makeServer()
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        server.stopAccepting()
        let response = try RawHTTP.upgrade(port: server.port)
        XCTAssertEqual(response.status, 503)
        assertSecurityHeaders(response)
        XCTAssertTrue(delegate.opened.isEmpty)
        // Plain HTTP keeps working while draining.
        XCTAssertEqual(try RawHTTP.get(port: server.port, path: "/healthz").status, 200)
    }

    func testUpgradeOnOtherPathsIsRefused() async throws {
        let (server, delegate) = try makeServer()
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        XCTAssertEqual(try RawHTTP.upgrade(port: server.port, path: "/chat").status, 404)
        // /echo exists only with conformanceEcho.
        XCTAssertEqual(try RawHTTP.upgrade(port: server.port, path: "/echo").status, 404)
        XCTAssertTrue(delegate.opened.isEmpty)
    }

    func testEchoEndpointIsOnlyServedWhenEnabledAndSkipsTheDelegate() async throws {
        let (server, delegate) = try makeServer {
            $0.conformanceEcho = true
            $0.allowedOrigins = ["https://app.example.com"]
        }
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        delegate.admit = false
        let got = Box<[WebSocketMessage]>([])
        try await runClient("ws://127.0.0.1:\(server.port)/echo") { inbound, outbound, _ in
            try await outbound.write(.text("ping"))
            try await outbound.write(.binary(ByteBuffer(bytes: [1, 2, 3])))
            var iterator = inbound.messages(maxSize: 1 << 16).makeAsyncIterator()
            while got.value.count < 2, let message = try await iterator.next() { got.update { $0.append(message) } }
        }
        XCTAssertEqual(got.value, [.text("ping"), .binary(ByteBuffer(bytes: [1, 2, 3]))])
        XCTAssertTrue(delegate.opened.isEmpty)
        XCTAssertTrue(delegate.admissions.isEmpty)
    }
}
