import Configuration
import Foundation
import XCTest

/// PROTOCOL.md § Running it: the conformance echo endpoint, a separate metrics port, and wss.
final class RunningItConformanceTests: XCTestCase {
    func testEchoEndpointIsOffByDefault() async throws {
        try await withServer({ _ in }) { server in
            let raw = try await RawWebSocket.connect(port: server.port, path: "/echo")
            defer { raw.close() }
            XCTAssertNotEqual(raw.status, 101, "/echo is served only with conformance_echo on")
        }
    }

    func testEchoEndpointEchoesTextAndBinaryWithoutAuth() async throws {
        try await withServer({ $0.conformanceEcho = true }) { server in
            let raw = try await RawWebSocket.connect(port: server.port, path: "/echo")
            defer { raw.close() }
            XCTAssertEqual(raw.status, 101)

            try await raw.send(text: "not json, no auth: héllo ✓")
            let text = try await raw.readMessage()
            XCTAssertEqual(text?.opcode, 1)
            XCTAssertEqual(text?.text, "not json, no auth: héllo ✓")

            let bytes: [UInt8] = [0, 1, 2, 0xFF, 0xFE, 0x80]
            try await raw.send(opcode: 2, payload: bytes)
            let binary = try await raw.readMessage()
            XCTAssertEqual(binary?.opcode, 2)
            XCTAssertEqual(binary?.payload, bytes)

            try await raw.send(opcode: 1, payload: Array("frag".utf8), fin: false)
            try await raw.send(opcode: 0, payload: Array("mented".utf8), fin: true)
            let fragmented = try await raw.readMessage()
            XCTAssertEqual(fragmented?.text, "fragmented")
        }
    }

    func testEchoEndpointTakesMessagesFarAboveMaxFrameBytes() async throws {
        try await withServer({ $0.conformanceEcho = true }) { server in
            let raw = try await RawWebSocket.connect(port: server.port, path: "/echo")
            defer { raw.close() }
            let payload = (0..<(4 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            try await raw.send(opcode: 2, payload: payload)
            let echoed = try await raw.readMessage(timeout: .seconds(10))
            XCTAssertEqual(echoed?.payload.count, payload.count, "a 4 MiB message is echoed (limit 16 MiB)")
            XCTAssertTrue(echoed?.payload == payload, "echoed as received")
        }
    }

    func testMetricsCanBeServedOnASeparatePort() async throws {
        let metricsPort = try ServerProcess.freePort()
        try await withServer({ $0.metricsPort = metricsPort }) { server in
            _ = try await server.connectAuthed(user: "u", org: Fresh.id("org"), role: "student")
            let separate = try await RawHTTP.get(port: metricsPort, path: "/metrics")
            XCTAssertEqual(separate.status, 200)
            XCTAssertTrue(separate.body.contains("rts_"), "\(separate.body.prefix(300))")
            let main = try await RawHTTP.get(port: server.port, path: "/metrics")
            XCTAssertNotEqual(main.status, 200, "with a metrics port, /metrics moves there instead")
            let health = try await RawHTTP.get(port: server.port, path: "/healthz")
            XCTAssertEqual(health.status, 200)
        }
    }

    func testWssWithConfiguredCertificate() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rts-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificate = try await OpenSSL.selfSignedCertificate(in: directory)
        try await withServer({
            $0.tlsCert = certificate.cert
            $0.tlsKey = certificate.key
        }) { server in
            let client = try await TestClient.connect(port: server.port, tls: true, label: "wss")
            try await client.send(json: ["type": "auth", "id": "a", "token": try await server.token(user: "tls-user", org: Fresh.id("org"), role: "student")])
            let hello = try await client.next()
            XCTAssertEqual(hello.type, "hello")
            let pong = try await client.request(["type": "ping"])
            XCTAssertEqual(pong.type, "pong")
        }
    }
}
