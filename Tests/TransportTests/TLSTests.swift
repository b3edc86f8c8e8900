import Foundation
import Transport
import WSClient
import XCTest

final class TLSTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("rts-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let (status, _) = try run(
            "/usr/bin/env",
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                "-keyout", directory.appendingPathComponent("key.pem").path,
                "-out", directory.appendingPathComponent("cert.pem").path,
            ])
        try XCTSkipIf(status != 0, "openssl is not available")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func makeTLSServer() throws -> (TransportServer, RecordingDelegate) {
        try makeServer {
            $0.tlsCertPath = self.directory.appendingPathComponent("cert.pem").path
            $0.tlsKeyPath = self.directory.appendingPathComponent("key.pem").path
        }
    }

    func testSecureWebSocketRoundTrip() async throws {
        let (server, delegate) = try makeTLSServer()
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        let got = Box<[WebSocketMessage]>([])
        try await runClient("wss://127.0.0.1:\(server.port)/ws", tls: .trustingAnyCertificate) { inbound, outbound, _ in
            try await outbound.write(.text("over tls"))
            try await outbound.write(.text(String(repeating: "z", count: 60_000)))
            var iterator = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
            while got.value.count < 2, let message = try await iterator.next() { got.update { $0.append(message) } }
        }
        // Compare sizes, not the 100 kB texts (a failure would print them whole).
        XCTAssertEqual(delegate.received.map(\.bytes.count), [8, 60_000])
        XCTAssertEqual(got.value.count, 2)
        XCTAssertTrue(got.value.first == .text("over tls"), "first echo")
        XCTAssertTrue(got.value.last == .text(String(repeating: "z", count: 60_000)), "second echo")
    }

    func testStartFailsWithAMissingCertificate() {
        XCTAssertThrowsError(
            try makeServer {
                $0.tlsCertPath = self.directory.appendingPathComponent("missing.pem").path
                $0.tlsKeyPath = self.directory.appendingPathComponent("key.pem").path
            })
    }

    func testHTTPSResponsesCarryHSTS() async throws {
        let (server, _) = try makeTLSServer()
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        let (status, output) = try run(
            "/usr/bin/env", ["curl", "-vsk", "-D", "-", "-o", "/dev/null", "https://127.0.0.1:\(server.port)/healthz"])
        try XCTSkipIf(status == 127, "curl is not available")
        let headers = output.lowercased()
        XCTAssertEqual(status, 0, "curl failed: \(output)")
        XCTAssertTrue(headers.hasPrefix("http/1.1 200"), headers)
        XCTAssertTrue(headers.contains("strict-transport-security: max-age=31536000"), headers)
        XCTAssertTrue(headers.contains("x-content-type-options: nosniff"), headers)
    }

    /// The server offers TLS 1.2 and 1.3 only, and in 1.2 only forward-secret suites. The client
    /// enables the old protocols itself (SECLEVEL=0), so a refusal is the server's.
    func testOnlyTLS12AndLaterWithForwardSecretCiphersAreAccepted() throws {
        let (server, _) = try makeTLSServer()
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        func handshake(_ options: [String]) throws -> (accepted: Bool, output: String) {
            let (status, output) = try run(
                "/usr/bin/env", ["openssl", "s_client", "-connect", "127.0.0.1:\(server.port)", "-servername", "localhost"] + options)
            return (status == 0 && output.contains("Cipher is") && !output.contains("Cipher is (NONE)"), output)
        }
        let tls13 = try handshake(["-tls1_3"])
        XCTAssertTrue(tls13.accepted, tls13.output)
        XCTAssertTrue(tls13.output.contains("TLSv1.3"), tls13.output)
        let tls12 = try handshake(["-tls1_2"])
        XCTAssertTrue(tls12.accepted, tls12.output)
        XCTAssertTrue(tls12.output.contains("ECDHE-RSA-AES"), tls12.output)
        for legacy in ["-tls1_1", "-tls1"] {
            let old = try handshake([legacy, "-cipher", "DEFAULT@SECLEVEL=0"])
            XCTAssertFalse(old.accepted, "\(legacy) was accepted: \(old.output)")
        }
        let staticRSA = try handshake(["-tls1_2", "-cipher", "AES128-GCM-SHA256"])
        XCTAssertFalse(staticRSA.accepted, "static-RSA suite accepted: \(staticRSA.output)")
    }

    /// Runs a tool; returns its exit status (127 when not found) and standard output.
    @discardableResult
    private func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = ProcessInfo.processInfo.environment["RTS_TEST_LOG"] == "1" ? output : FileHandle.nullDevice
        try process.run()
        // Read before waiting so a large output cannot block the child.
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
