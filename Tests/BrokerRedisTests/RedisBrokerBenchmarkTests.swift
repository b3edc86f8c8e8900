import Broker
import BrokerRedis
import Dispatch
import Foundation
import Outbound
import Synchronization
import XCTest

/// Measures the Redis broker on loopback and prints the figures (no thresholds: the machine is
/// shared). Sizes: RTS_BENCH_EVENTS (default 100 000) for throughput.
final class RedisBrokerBenchmarkTests: XCTestCase {
    var server: RedisServer!

    override func setUpWithError() throws { server = try RedisServer() }
    override func tearDown() { server = nil }

    static let frameBytes = 200

    /// A 200-byte frame carrying its send time (monotonic ns) in its first 8 bytes.
    static func stamped(_ origin: String, seq: Int64) -> ClusterEvent {
        var payload = [UInt8](repeating: 0x78, count: frameBytes)
        let now = DispatchTime.now().uptimeNanoseconds
        withUnsafeBytes(of: now.littleEndian) { for index in 0..<8 { payload[index] = $0[index] } }
        return ClusterEvent(origin: origin, org: "acme", body: .room(room: "r1", change: .message(seq: seq), frame: SharedFrame(payload)))
    }

    static func stamp(of event: ClusterEvent) -> UInt64? {
        guard case .room(_, _, let frame?) = event.body, frame.count >= 8 else { return nil }
        var value: UInt64 = 0
        withUnsafeMutableBytes(of: &value) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: frame.bytes[0..<8])) }
        return UInt64(littleEndian: value)
    }

    /// Records one-way latency (publish on a, delivery on b: one process, one clock).
    final class LatencyReceiver: ClusterReceiver {
        let samples = Mutex<[UInt64]>([])
        func received(_ event: ClusterEvent) {
            let now = DispatchTime.now().uptimeNanoseconds
            guard let sent = RedisBrokerBenchmarkTests.stamp(of: event) else { return }
            samples.withLock { $0.append(now &- sent) }
        }
        func reconnected() {}
        var count: Int { samples.withLock { $0.count } }
    }

    static func percentile(_ sorted: [UInt64], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        return Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1_000
    }

    static func cpuText(_ fraction: Double?) -> String {
        fraction.map { String(format: "%.0f%% of a core", $0 * 100) } ?? "n/a"
    }

    func testThroughputAndLatencyOnLoopback() async throws {
        let total = Int(ProcessInfo.processInfo.environment["RTS_BENCH_EVENTS"] ?? "") ?? 100_000
        let receiver = LatencyReceiver()
        let a = RedisBroker(url: server.url, nodeID: "node-a", logger: testLogger("a"))
        let b = RedisBroker(url: server.url, nodeID: "node-b", logger: testLogger("b"))
        try await a.start(receiver: CollectingReceiver())
        try await b.start(receiver: receiver)

        // 1. Flat out: publish `total` events as fast as publish() takes them (in chunks under the queue bound).
        let cpuBefore = server.cpuSeconds()
        let started = DispatchTime.now().uptimeNanoseconds
        var published = 0
        while published < total {
            for _ in 0..<min(10_000, total - published) {
                published += 1
                a.publish(Self.stamped("node-a", seq: Int64(published)))
            }
            _ = await eventually(.seconds(30)) { receiver.count >= published - 20_000 }
        }
        let publishNanos = DispatchTime.now().uptimeNanoseconds - started
        let all = await eventually(.seconds(60)) { receiver.count >= total }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let cpu = cpuShare(cpuBefore, server.cpuSeconds(), over: .nanoseconds(Int64(elapsed * 1e9)))
        XCTAssertTrue(all, "received \(receiver.count) of \(total)")
        let flat = receiver.samples.withLock { $0 }.sorted()
        print(String(
            format: "redis broker flat out: %d events of %d B in %.2f s = %.0f events/s delivered (publish loop %.0f/s); one-way latency p50 %.0f µs, p99 %.0f µs",
            total, Self.frameBytes, elapsed, Double(total) / elapsed, Double(total) / (Double(publishNanos) / 1e9),
            Self.percentile(flat, 0.5), Self.percentile(flat, 0.99)) + "; redis-server CPU " + Self.cpuText(cpu))

        // 2. A steady 10 000 events/s for 2 s: latency when not saturated.
        receiver.samples.withLock { $0.removeAll() }
        let rate = 10_000
        let seconds = 2
        let cpuSteadyBefore = server.cpuSeconds()
        let steadyStart = ContinuousClock.now
        for tick in 0..<(seconds * 100) {
            for index in 0..<(rate / 100) { a.publish(Self.stamped("node-a", seq: Int64(tick * 1_000 + index))) }
            try await Task.sleep(until: steadyStart + .milliseconds(10 * (tick + 1)), clock: .continuous)
        }
        let steadyAll = await eventually(.seconds(10)) { receiver.count >= rate * seconds }
        let steadyElapsed = ContinuousClock.now - steadyStart
        let steadyCPU = cpuShare(cpuSteadyBefore, server.cpuSeconds(), over: steadyElapsed)
        XCTAssertTrue(steadyAll)
        let steady = receiver.samples.withLock { $0 }.sorted()
        print(String(
            format: "redis broker at %d events/s (%d B frames): one-way latency p50 %.0f µs, p99 %.0f µs, max %.0f µs",
            rate, Self.frameBytes, Self.percentile(steady, 0.5), Self.percentile(steady, 0.99), Self.percentile(steady, 1))
            + "; redis-server CPU " + Self.cpuText(steadyCPU))
        await a.stop()
        await b.stop()
    }

    /// Ping-pong: node-a publishes, node-b answers from its receiver, node-a times the round trip.
    func testRoundTripBetweenTwoBrokers() async throws {
        final class Echo: ClusterReceiver {
            let broker = Mutex<RedisBroker?>(nil)
            func received(_ event: ClusterEvent) {
                guard case .room(_, .message(let seq), let frame) = event.body else { return }
                broker.withLock { $0 }?.publish(ClusterEvent(origin: "node-b", org: "acme", body: .room(room: "r1", change: .message(seq: seq), frame: frame)))
            }
            func reconnected() {}
        }
        final class Pinger: ClusterReceiver {
            let state = Mutex<(rtts: [UInt64], broker: RedisBroker?, rounds: Int)>(([], nil, 0))
            func received(_ event: ClusterEvent) {
                let now = DispatchTime.now().uptimeNanoseconds
                guard let sent = RedisBrokerBenchmarkTests.stamp(of: event) else { return }
                let next: RedisBroker? = state.withLock { state in
                    state.rtts.append(now &- sent)
                    return state.rtts.count < state.rounds ? state.broker : nil
                }
                next?.publish(RedisBrokerBenchmarkTests.stamped("node-a", seq: 0))
            }
            func reconnected() {}
        }
        let rounds = 2_000
        let echo = Echo()
        let pinger = Pinger()
        let a = RedisBroker(url: server.url, nodeID: "node-a", logger: testLogger("a"))
        let b = RedisBroker(url: server.url, nodeID: "node-b", logger: testLogger("b"))
        echo.broker.withLock { $0 = b }
        pinger.state.withLock { $0.broker = a; $0.rounds = rounds }
        try await a.start(receiver: pinger)
        try await b.start(receiver: echo)
        let started = ContinuousClock.now
        a.publish(Self.stamped("node-a", seq: 0))
        let done = await eventually(.seconds(30)) { pinger.state.withLock { $0.rtts.count } >= rounds }
        XCTAssertTrue(done)
        let elapsed = ContinuousClock.now - started
        let rtts = pinger.state.withLock { $0.rtts }.sorted()
        print("redis broker round trip a→b→a, \(rounds) sequential rounds in \(elapsed): "
            + String(format: "p50 %.0f µs, p99 %.0f µs", Self.percentile(rtts, 0.5), Self.percentile(rtts, 0.99)))
        await a.stop()
        await b.stop()
    }
}
