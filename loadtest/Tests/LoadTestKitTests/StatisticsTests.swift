import XCTest
@testable import LoadTestKit

final class StatisticsTests: XCTestCase {
    func testInOrderDeliveryHasNoLoss() {
        var tracker = SeqTracker(baseline: 10)
        for seq in 11...20 { XCTAssertEqual(tracker.observe(Int64(seq)), .inOrder) }
        XCTAssertEqual(tracker.missing(upTo: 20), 0)
        XCTAssertEqual(tracker.duplicates, 0)
    }

    func testGapIsLossAndTailIsLoss() {
        var tracker = SeqTracker(baseline: 0)
        tracker.observe(1)
        XCTAssertEqual(tracker.observe(4), .gap(2))
        tracker.observe(5)
        XCTAssertEqual(tracker.gaps, 2)
        // Seqs 6 and 7 were sent (acked) but never arrived.
        XCTAssertEqual(tracker.missing(upTo: 7), 4)
    }

    func testDuplicatesAndOutOfOrder() {
        var tracker = SeqTracker(baseline: 0)
        tracker.observe(1)
        tracker.observe(2)
        XCTAssertEqual(tracker.observe(2), .duplicate)
        XCTAssertEqual(tracker.observe(1), .duplicate)
        XCTAssertEqual(tracker.duplicates, 2)
        XCTAssertEqual(tracker.missing(upTo: 2), 0)
    }

    func testUnrecoverableSkipIsNotLoss() {
        var tracker = SeqTracker(baseline: 0)
        tracker.observe(1)
        // The server replays only from 600 (recovered:false).
        tracker.skip(to: 600)
        XCTAssertEqual(tracker.skipped, 598)
        for seq in 600...700 { tracker.observe(Int64(seq)) }
        XCTAssertEqual(tracker.missing(upTo: 700), 0)
        XCTAssertEqual(tracker.gaps, 0)
    }

    func testHistogramPercentiles() {
        var histogram = LatencySummary.makeHistogram()
        for micros in 1...10_000 { _ = histogram.record(UInt64(micros)) }
        let summary = LatencySummary(histogram)
        XCTAssertEqual(summary.count, 10_000)
        XCTAssertEqual(summary.p50, 5.0, accuracy: 0.01)
        XCTAssertEqual(summary.p99, 9.9, accuracy: 0.01)
        XCTAssertEqual(summary.max, 10.0, accuracy: 0.01)
        XCTAssertEqual(LatencySummary(LatencySummary.makeHistogram()).count, 0)
    }

    func testWindowsAddUp() {
        var first = EngineWindow(startNS: 0)
        first.endNS = 1_000_000_000
        first.counters.deliveries = 10
        first.counters.errors["rate_limited"] = 1
        _ = first.latency.record(1000)
        var second = EngineWindow(startNS: 1_000_000_000)
        second.endNS = 2_000_000_000
        second.counters.deliveries = 5
        second.counters.errors["rate_limited"] = 2
        _ = second.latency.record(3000)
        first.add(second)
        XCTAssertEqual(first.counters.deliveries, 15)
        XCTAssertEqual(first.counters.errors["rate_limited"], 3)
        XCTAssertEqual(first.latency.totalCount, 2)
        XCTAssertEqual(first.seconds, 2, accuracy: 1e-9)
    }

    func testStepJudge() {
        var step = StepResult(
            label: "s", offeredRate: 100, seconds: 5, sentPerSecond: 100, ackedPerSecond: 100, deliveriesPerSecond: 50_000,
            expectedDeliveriesPerSecond: 50_000, latency: LatencySummary(count: 10, p50: 1, p90: 2, p99: 3, p999: 4, max: 5, mean: 1),
            ackLatency: LatencySummary(count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0), gaps: 0, duplicates: 0, errors: 0,
            unexpectedCloses: 0, lateSends: 0, serverCPUPercent: 50, serverRSSBytes: nil, generatorCPUPercent: 30,
            serviceThreadCPUPercent: 25, passed: nil, failure: nil)
        XCTAssertEqual(StepJudge.judge(step, p99TargetMS: 10).passed, true)
        XCTAssertEqual(StepJudge.judge(step, p99TargetMS: 2).passed, false)
        step.gaps = 1
        XCTAssertEqual(StepJudge.failure(step, p99TargetMS: 10), "1 messages lost (seq gaps)")
        step.gaps = 0
        step.sentPerSecond = 50
        XCTAssertNotNil(StepJudge.failure(step, p99TargetMS: 10)?.hasPrefix("generator"))
    }

    func testProcStatParsing() {
        let stat = "1234 (realtime server) S 1 1234 1234 0 -1 4194560 1000 0 0 0 250 75 0 0 20 0 8 0 100 1000000 2000 18446744073709551615"
        XCTAssertEqual(ProcessStat.cpuTicks(statLine: stat), 325)
        XCTAssertEqual(ProcessStat.vmRSS(status: "Name:\tx\nVmRSS:\t   2048 kB\nThreads:\t3\n"), 2048 * 1024)
        let table = """
          sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
           0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 55555 1 0000000000000000 100 0 0 10 0
           1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1000        0 66666 1 0000000000000000 20 4 30 10 -1
        """
        XCTAssertEqual(ServerLocator.listeningInodes(port: 8080, table: table), ["55555"])
        XCTAssertEqual(ServerLocator.listeningInodes(port: 8081, table: table), [])
    }

    func testPrometheusParsing() {
        let text = "# HELP x\nrts_sessions_authenticated 12\nrts_errors_total{code=\"bad_request\"} 3\nother_metric 1\n"
        let samples = MetricsScraper.parse(text)
        XCTAssertEqual(samples["rts_sessions_authenticated"], 12)
        XCTAssertEqual(samples["rts_errors_total{code=\"bad_request\"}"], 3)
        XCTAssertNil(samples["other_metric"])
        XCTAssertEqual(MetricsScraper.dechunk("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"), "hello world")
    }

    func testLeastSquaresSlopeOfSoakSamples() throws {
        // 1 MiB per minute plus noise around the line; flat descriptors.
        let samples = (0..<13).map { index in
            SoakResult.Sample(seconds: Double(index) * 5, rssKiB: 50_000 + index * 1024 / 12 + (index % 2 == 0 ? 3 : -3), openFiles: 40, ready: 10)
        }
        let soak = SoakResult.summarise(samples, churned: 0, reactionsSent: 0, historySent: 0)
        XCTAssertEqual(try XCTUnwrap(soak.rssSlopeKiBPerMinute), 1024, accuracy: 10)
        XCTAssertEqual(try XCTUnwrap(soak.rssSlopeSecondHalfKiBPerMinute), 1024, accuracy: 30)
        XCTAssertEqual(soak.fdSlopePerMinute, 0)
        XCTAssertNil(LeastSquares.slope([(x: 1, y: 5)]), "one point has no slope")
        XCTAssertNil(LeastSquares.slope([(x: 1, y: 5), (x: 1, y: 7)]), "nor do points at one instant")
    }
}
