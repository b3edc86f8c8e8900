import Foundation
import Logging
import XCTest
@testable import LoadTestKit

/// Short runs against a real server binary (skipped when it is not built).
final class EndToEndTests: XCTestCase {
    private var server: ServerProcess?

    override func setUpWithError() throws {
        guard let binary = ServerProcess.binary() else {
            throw XCTSkip("realtime-server is not built: run `swift build --scratch-path .build-lt --product realtime-server -c release` (or set RTS_SERVER_BINARY)")
        }
        server = try ServerProcess(binary: binary)
    }

    override func tearDown() {
        server?.stop()
        server = nil
    }

    private func settings(_ scenario: ScenarioKind) throws -> LoadTestSettings {
        let server = try XCTUnwrap(server)
        var settings = LoadTestSettings()
        settings.scenario = scenario
        settings.urls = [server.url]
        settings.serverPID = server.pid
        settings.progress = false
        settings.warmupSeconds = 0.5
        settings.durationSeconds = 2
        settings.drainSeconds = 5
        settings.setupTimeoutSeconds = 20
        settings.rooms = 1
        settings.members = 20
        settings.publishers = 2
        settings.rate = 50
        // A debug server on a busy CI core: latency is reported, not judged, here.
        settings.p99TargetMS = 1000
        return settings
    }

    /// 2 mentors × 3 students and one group of 4: 8 clients.
    private func smallMentoring(_ scenario: ScenarioKind) throws -> LoadTestSettings {
        var settings = try settings(scenario)
        settings.mentors = 2
        settings.studentsPerMentor = 3
        settings.groups = 1
        settings.groupSize = 4
        return settings
    }

    private func run(_ settings: LoadTestSettings) async throws -> RunResult {
        var logger = Logger(label: "lt-e2e")
        logger.logLevel = .warning
        return try await ScenarioRunner(settings: settings, logger: logger).run()
    }

    func testFanoutDeliversEverythingAndWritesReport() async throws {
        let result = try await run(try settings(.fanout))
        let step = try XCTUnwrap(result.steps.first)
        XCTAssertEqual(result.setup.ready, 20)
        XCTAssertGreaterThan(result.totals.sent, 50)
        XCTAssertEqual(result.totals.acked, result.totals.sent)
        XCTAssertEqual(result.loss.missing, 0, "lost messages")
        XCTAssertEqual(result.loss.duplicates, 0)
        XCTAssertEqual(result.loss.expected, Int64(result.totals.sent) * 20)
        XCTAssertEqual(result.totals.deliveries, result.totals.sent * 20)
        XCTAssertGreaterThan(step.latency.count, 0)
        XCTAssertNotNil(step.serverCPUPercent)
        XCTAssertEqual(result.totals.errors, [:])
        XCTAssertNotNil(result.capacity)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lt-e2e-report-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try ReportWriter.write(result, to: directory)
        let markdown = try String(contentsOf: directory.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertTrue(markdown.contains("## Capacity plan"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.appendingPathComponent("latency.svg").path))
    }

    func testStormRecoversWithSince() async throws {
        var settings = try settings(.storm)
        settings.stormAfterSeconds = 1
        settings.durationSeconds = 2
        settings.stormDowntimeMS = 300
        settings.recoveryTimeoutSeconds = 15
        let result = try await run(settings)
        let storm = try XCTUnwrap(result.storm)
        XCTAssertEqual(storm.clients, 18)
        XCTAssertEqual(storm.recovered, 18)
        XCTAssertNotNil(storm.allRecoveredSeconds)
        XCTAssertEqual(result.loss.missing, 0, "lost messages")
        XCTAssertEqual(result.loss.duplicates, 0)
    }

    func testMentoringOpensDirectRoomsAndIdleMeasuresMemory() async throws {
        var settings = try smallMentoring(.mentoring)
        settings.rateOverride = true
        settings.rate = 40
        settings.readIntervalMS = 100
        let result = try await run(settings)
        XCTAssertEqual(result.setup.ready, 8)
        XCTAssertEqual(result.loss.missing, 0)
        XCTAssertGreaterThan(result.totals.deliveries, 0)
        XCTAssertGreaterThan(result.totals.readsSent, 0)
        XCTAssertEqual(result.totals.strayPushes, 0)
        XCTAssertEqual(result.totals.errors, [:])

        var idle = try self.settings(.idle)
        idle.connections = [10, 30]
        idle.settleSeconds = 0.5
        let idleResult = try await run(idle)
        XCTAssertEqual(idleResult.idle.map(\.authenticated), [10, 30])
        XCTAssertNotNil(idleResult.idle.last?.serverRSSBytes)
    }

    func testSoakSamplesTheServerWhileClientsComeAndGo() async throws {
        var settings = try smallMentoring(.soak)
        settings.msgsPerMinute = 600
        settings.durationSeconds = 4
        settings.sampleSeconds = 1
        settings.churnIntervalSeconds = 1
        settings.churnPercent = 25
        settings.churnDowntimeMS = 200
        settings.reactPercent = 50
        settings.historyPercent = 50
        let result = try await run(settings)
        let soak = try XCTUnwrap(result.soak)
        XCTAssertGreaterThanOrEqual(soak.samples.count, 3)
        XCTAssertTrue(soak.samples.allSatisfy { $0.rssKiB > 0 && $0.openFiles > 0 })
        XCTAssertNotNil(soak.rssSlopeKiBPerMinute)
        XCTAssertNotNil(soak.fdSlopePerMinute)
        XCTAssertGreaterThan(soak.churned, 0)
        XCTAssertGreaterThan(soak.reactionsSent, 0)
        XCTAssertGreaterThan(soak.historySent, 0)
        XCTAssertEqual(result.loss.missing, 0, "clients that left and came back recover everything")
        XCTAssertEqual(result.loss.duplicates, 0)
        XCTAssertEqual(result.totals.errors, [:])
        XCTAssertTrue(MarkdownReport.render(result).contains("## Soak"))
    }
}

