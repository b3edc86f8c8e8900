import CoreMetrics
import Foundation
import Logging
import Outbound
import WSClient
import XCTest

@testable import Transport

/// Records every counter increment and gauge value by label and dimensions (no global bootstrap,
/// so it cannot clash with other tests in the same process).
final class RecordingMetrics: MetricsFactory, @unchecked Sendable {
    final class Handler: CounterHandler, RecorderHandler, TimerHandler, FloatingPointCounterHandler, @unchecked Sendable {
        private let lock = NSLock()
        private var total: Int64 = 0
        private var last: Int64 = 0
        var value: Int64 { lock.withLock { total } }
        var lastRecorded: Int64 { lock.withLock { last } }
        func increment(by amount: Int64) { lock.withLock { total += amount } }
        func increment(by amount: Double) { lock.withLock { total += Int64(amount) } }
        func reset() { lock.withLock { total = 0 } }
        func record(_ value: Int64) { lock.withLock { last = value } }
        func record(_ value: Double) { lock.withLock { last = Int64(value) } }
        func recordNanoseconds(_ duration: Int64) {}
    }

    private let lock = NSLock()
    private var handlers: [String: Handler] = [:]

    func handler(_ label: String, _ dimensions: [(String, String)] = []) -> Handler {
        let key = label + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
        return lock.withLock {
            if let existing = handlers[key] { return existing }
            let created = Handler()
            handlers[key] = created
            return created
        }
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> CounterHandler { handler(label, dimensions) }
    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> FloatingPointCounterHandler {
        handler(label, dimensions)
    }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> RecorderHandler {
        handler(label, dimensions)
    }
    func makeTimer(label: String, dimensions: [(String, String)]) -> TimerHandler { handler(label, dimensions) }
    func destroyCounter(_ handler: CounterHandler) {}
    func destroyFloatingPointCounter(_ handler: FloatingPointCounterHandler) {}
    func destroyRecorder(_ handler: RecorderHandler) {}
    func destroyTimer(_ handler: TimerHandler) {}
}

final class MetricsTests: XCTestCase {
    func testTrafficAndRefusalsAreCounted() async throws {
        let metrics = RecordingMetrics()
        let delegate = RecordingDelegate()
        var logger = Logger(label: "transport-test")
        logger.logLevel = .warning
        let server = TransportServer(
            settings: TransportSettings(host: "127.0.0.1", port: 0), delegate: delegate, logger: logger,
            metricsFactory: metrics)
        try server.start()

        try await runClient("ws://127.0.0.1:\(server.port)/ws") { inbound, outbound, _ in
            try await outbound.write(.text("hello"))
            try await outbound.write(.text("world!"))
            var iterator = inbound.messages(maxSize: 1 << 16).makeAsyncIterator()
            _ = try await iterator.next()
            _ = try await iterator.next()
        }
        XCTAssertEqual(try RawHTTP.upgrade(port: server.port, headers: ["Sec-WebSocket-Protocol": "nope"]).status, 403)
        delegate.admit = false
        XCTAssertEqual(try RawHTTP.upgrade(port: server.port).status, 429)
        await eventually { delegate.closed.count == 1 }
        XCTAssertEqual(metrics.handler("rts_connections").lastRecorded, 0)

        // Shutdown flushes the batched counters.
        await server.shutdown(closeCode: 1001, reason: "", graceMS: 100)
        XCTAssertEqual(metrics.handler("rts_frames_in_total").value, 2)
        XCTAssertEqual(metrics.handler("rts_frames_out_total").value, 2)
        XCTAssertEqual(metrics.handler("rts_bytes_in_total").value, 11)
        XCTAssertEqual(metrics.handler("rts_bytes_out_total").value, 11)
        XCTAssertEqual(metrics.handler("rts_outbound_queue_bytes").lastRecorded, 0)
        XCTAssertEqual(metrics.handler("rts_connections_refused_total", [("reason", "subprotocol")]).value, 1)
        XCTAssertEqual(metrics.handler("rts_connections_refused_total", [("reason", "rate_limited")]).value, 1)
    }
}
