import Foundation
import Logging
import Transport
import XCTest

/// Runs the Autobahn suite (via `scripts/conformance.sh`) against the `/echo` endpoint.
/// Opt-in (it installs kosoku and takes minutes): `RTS_AUTOBAHN=1 swift test --filter testAutobahnEcho`.
final class AutobahnEchoTests: XCTestCase {
    func testAutobahnEcho() async throws {
        let environment = ProcessInfo.processInfo.environment
        try XCTSkipUnless(environment["RTS_AUTOBAHN"] == "1", "set RTS_AUTOBAHN=1 to run the Autobahn suite")

        let (server, _) = try makeServer {
            $0.conformanceEcho = true
            $0.maxOutboundBytes = 1 << 20
        }
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }

        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [root.appendingPathComponent("scripts/conformance.sh").path, String(server.port)]
        process.currentDirectoryURL = root
        try process.run()
        // Wait off the cooperative pool: the suite takes minutes.
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                process.waitUntilExit()
                continuation.resume()
            }
        }
        XCTAssertEqual(process.terminationStatus, 0, "conformance.sh failed; see its output above")
    }
}
