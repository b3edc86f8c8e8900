import Foundation
import FoundationXML
import XCTest
@testable import LoadTestKit

final class ReportTests: XCTestCase {
    private func step(_ label: String, rate: Double, p99: Double, passed: Bool) -> StepResult {
        StepResult(
            label: label, offeredRate: rate, seconds: 5, sentPerSecond: rate, ackedPerSecond: rate, deliveriesPerSecond: rate * 500,
            expectedDeliveriesPerSecond: rate * 500, latency: LatencySummary(count: 100, p50: p99 / 3, p90: p99 / 2, p99: p99, p999: p99 * 2, max: p99 * 3, mean: p99 / 3),
            ackLatency: LatencySummary(count: 100, p50: 1, p90: 1, p99: 1, p999: 1, max: 1, mean: 1), gaps: 0, duplicates: 0, errors: 0,
            unexpectedCloses: 0, lateSends: 0, serverCPUPercent: 60, serverRSSBytes: 50 << 20, generatorCPUPercent: 40,
            serviceThreadCPUPercent: 35, passed: passed, failure: passed ? nil : "p99 too high")
    }

    private func sampleResult() -> RunResult {
        var settings = LoadTestSettings()
        settings.scenario = .ramp
        let steps = [step("step 1", rate: 100, p99: 2, passed: true), step("step 2", rate: 200, p99: 4, passed: true), step("step 3", rate: 400, p99: 30, passed: false), step("half of max", rate: 100, p99: 2.5, passed: true)]
        var result = RunResult(
            scenario: .ramp, startedAt: "2026-01-01T00:00:00Z", commit: "abc1234", host: HostInfo(cores: 2, memoryBytes: 24 << 30, openFileLimit: 20000),
            settings: settings, serverPID: 42,
            setup: SetupResult(clients: 500, ready: 500, connectFailures: 0, seconds: 1.5, connect: LatencySummary(count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0), auth: LatencySummary(count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0)),
            steps: steps, loss: LossResult(subscriptions: 500, expected: 1000, missing: 0, duplicates: 0, unrecoverable: 0, detached: 0),
            totals: Totals(sent: 1, sendsSkipped: 0, acked: 1, sendErrors: 0, moderated: 0, deliveries: 500, replayed: 0, typingSent: 0, readsSent: 0, typingPushes: 0, readPushes: 0, presencePushes: 0, strayPushes: 0, unexpectedCloses: 0, errors: ["rate_limited": 2], closeCodes: ["4009": 1]),
            bottleneck: Bottleneck.describe(steps: steps))
        result.verdicts = Verdicts.make(settings: settings, result: result)
        result.capacity = CapacityPlan(
            node: .init(connections: 10_000, msgsPerSecond: 200, measuredFanout: 500, p99TargetMS: 10, source: "ramp step 2"),
            assumptions: .init(settings))
        return result
    }

    func testJSONRoundTrips() throws {
        let result = sampleResult()
        let data = try ReportWriter.encode(result)
        let decoded = try ReportWriter.decode(data)
        XCTAssertEqual(decoded.steps, result.steps)
        XCTAssertEqual(decoded.capacity, result.capacity)
        XCTAssertEqual(decoded.settings, result.settings)
        XCTAssertNotNil(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func testMarkdownHasSectionsAndWellFormedTables() {
        let markdown = MarkdownReport.render(sampleResult())
        for heading in ["# rts-loadtest: ramp", "## Targets", "## Steps", "## Capacity plan", "## Totals"] {
            XCTAssertTrue(markdown.contains(heading), heading)
        }
        XCTAssertTrue(markdown.contains("rate_limited × 2"))
        // Every table row has as many cells as its header.
        var columns: Int?
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.hasPrefix("|") else { columns = nil; continue }
            let cells = line.filter { $0 == "|" }.count
            if let columns { XCTAssertEqual(cells, columns, String(line)) } else { columns = cells }
        }
    }

    func testSVGIsWellFormedWithOnePolylinePerPercentile() throws {
        let svg = LatencyChart.svg(steps: sampleResult().steps, targetMS: 10, title: "ramp <test> & co")
        let parser = XMLParser(data: Data(svg.utf8))
        let counter = ElementCounter()
        parser.delegate = counter
        XCTAssertTrue(parser.parse(), parser.parserError.map { "\($0)" } ?? "")
        XCTAssertEqual(counter.counts["svg"], 1)
        XCTAssertEqual(counter.counts["polyline"], 4)
        XCTAssertEqual(counter.counts["circle"], 4 * 4)
        let empty = LatencyChart.svg(steps: [], targetMS: 10, title: "idle")
        XCTAssertTrue(XMLParser(data: Data(empty.utf8)).parse())
    }

    func testCapacityArithmetic() {
        let node = CapacityPlan.NodeCapacity(connections: 10_000, msgsPerSecond: 600, measuredFanout: 500, p99TargetMS: 10, source: "x")
        XCTAssertEqual(node.deliveriesPerSecond, 300_000)
        // Smaller fanout: at least the measured message rate; larger: bounded by deliveries.
        XCTAssertEqual(node.msgsPerSecond(atFanout: 2), 600)
        XCTAssertEqual(node.msgsPerSecond(atFanout: 1000), 300)
        let plan = CapacityPlan(node: node, assumptions: .init(users: 200_000, onlinePercent: 25, msgsPerMinute: 6, recipientsPerMessage: 2, headroomPercent: 50))
        XCTAssertEqual(plan.onlineUsers, 50_000)
        XCTAssertEqual(plan.msgsPerSecond, 5000)
        XCTAssertEqual(plan.deliveriesPerSecond, 10_000)
        XCTAssertEqual(plan.nodesForConnections, 10)  // 50 000 / (10 000 × 0.5)
        XCTAssertEqual(plan.nodesForTraffic, 17)  // ⌈5000 / (600 × 0.5)⌉
        XCTAssertEqual(plan.nodes, 17)
        XCTAssertTrue(plan.summary.contains("you need 17 nodes"))
        XCTAssertTrue(plan.summary.contains("10000 connections"))
        XCTAssertEqual(plan.workings.count, 7)
        let tiny = CapacityPlan(node: node, assumptions: .init(users: 10, onlinePercent: 10, msgsPerMinute: 1, recipientsPerMessage: 2, headroomPercent: 70))
        XCTAssertEqual(tiny.nodes, 1)
    }

    func testPlannerPicksBestMeasurementAndIdleConnections() {
        var ramp = sampleResult()
        ramp.setup.ready = 500
        var idle = sampleResult()
        idle.steps = []
        idle.idle = [IdleSample(connections: 10_000, authenticated: 9_990, baselineRSSBytes: nil, serverRSSBytes: nil, bytesPerConnection: nil, generatorRSSBytes: nil, serverMetrics: nil)]
        let plan = CapacityPlanner.plan(
            results: [idle, ramp], assumptions: .init(users: 1000, onlinePercent: 100, msgsPerMinute: 60, recipientsPerMessage: 2, headroomPercent: 100),
            nodeConnections: nil, p99TargetMS: nil)
        XCTAssertEqual(plan?.node.connections, 9_990)
        XCTAssertEqual(plan?.node.msgsPerSecond, 200)
        XCTAssertEqual(plan?.nodes, 5)  // 1000 msgs/s at 200 per node
        XCTAssertNil(CapacityPlanner.plan(results: [idle], assumptions: .init(users: 1, onlinePercent: 1, msgsPerMinute: 1, recipientsPerMessage: 1, headroomPercent: 100), nodeConnections: nil, p99TargetMS: nil))
    }

    func testReportFilesAreWritten() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lt-report-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try ReportWriter.write(sampleResult(), to: directory)
        for name in ["result.json", "report.md", "latency.svg"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path), name)
        }
    }
}

private final class ElementCounter: NSObject, XMLParserDelegate {
    var counts: [String: Int] = [:]
    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        counts[elementName, default: 0] += 1
    }
}
