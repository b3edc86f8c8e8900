import Foundation
import XCTest
@testable import LoadTestKit

final class SettingsTests: XCTestCase {
    func testScenarioFileSectionsListsAndScalars() throws {
        let yaml = """
        scenario: storm
        target:
          urls:
            - ws://127.0.0.1:9001/ws
            - ws://127.0.0.1:9002/ws
          secret: s3cret
        topology:
          rooms: 4
          members: 250
          publishers: 8
        rate: 400.5
        connections: [5000, 10000]
        idle_join: yes
        server_pid: ~
        """
        let settings = try SettingsResolver.resolve(scenario: nil, fileText: yaml, overrides: [])
        XCTAssertEqual(settings.scenario, .storm)
        XCTAssertEqual(settings.urls, ["ws://127.0.0.1:9001/ws", "ws://127.0.0.1:9002/ws"])
        XCTAssertEqual(settings.secret, "s3cret")
        XCTAssertEqual(settings.rooms, 4)
        XCTAssertEqual(settings.members, 250)
        XCTAssertEqual(settings.publishers, 8)
        XCTAssertEqual(settings.rate, 400.5)
        XCTAssertEqual(settings.connections, [5000, 10000])
        XCTAssertTrue(settings.idleJoin)
        XCTAssertNil(settings.serverPID)
    }

    func testCommandLineOverridesWinOverFileAndScenarioArgument() throws {
        let yaml = "scenario: fanout\nmembers: 100\nrate: 50\n"
        let settings = try SettingsResolver.resolve(
            scenario: .ramp, fileText: yaml,
            overrides: [("members", ["500"]), try SettingsResolver.parseAssignment("ramp_factor=2"), try SettingsResolver.parseAssignment("p99-target-ms=5")])
        XCTAssertEqual(settings.scenario, .ramp)
        XCTAssertEqual(settings.members, 500)
        XCTAssertEqual(settings.rate, 50)
        XCTAssertEqual(settings.rampFactor, 2)
        XCTAssertEqual(settings.p99TargetMS, 5)
    }

    func testSoakRunsThirtyMinutesUnlessToldOtherwise() throws {
        XCTAssertEqual(try SettingsResolver.resolve(scenario: .soak, fileText: nil, overrides: []).durationSeconds, 1800)
        XCTAssertEqual(try SettingsResolver.resolve(scenario: .soak, fileText: nil, overrides: [("duration", ["240"])]).durationSeconds, 240)
        XCTAssertEqual(try SettingsResolver.resolve(scenario: nil, fileText: "scenario: soak\nduration: 300\n", overrides: []).durationSeconds, 300)
        XCTAssertEqual(try SettingsResolver.resolve(scenario: .mentoring, fileText: nil, overrides: []).durationSeconds, 10)
    }

    func testRejectsUnknownKeysBadValuesAndBadURLs() {
        XCTAssertThrowsError(try SettingsResolver.resolve(scenario: nil, fileText: "romos: 3\n", overrides: [])) { error in
            XCTAssertEqual((error as? SettingsError)?.description, "unknown setting 'romos'")
        }
        XCTAssertThrowsError(try SettingsResolver.resolve(scenario: nil, fileText: nil, overrides: [("members", ["many"])]))
        XCTAssertThrowsError(try SettingsResolver.resolve(scenario: nil, fileText: nil, overrides: [("rate", ["-1"])]))
        XCTAssertThrowsError(try SettingsResolver.resolve(scenario: nil, fileText: nil, overrides: [("urls", ["http://x/ws"])]))
        XCTAssertThrowsError(try SettingsResolver.resolve(scenario: nil, fileText: nil, overrides: [("scenario", ["chaos"])]))
        XCTAssertThrowsError(try SettingsResolver.resolve(scenario: nil, fileText: "- a\n- b\n", overrides: []))
        XCTAssertThrowsError(try SettingsResolver.parseAssignment("novalue"))
        XCTAssertThrowsError(try SettingsResolver.resolve(scenario: nil, fileText: nil, overrides: [("rooms", ["2"]), ("members", ["2"]), ("publishers", ["5"])]))
    }

    func testEveryKeyIsUniqueAndDocumented() {
        let names = SettingKey.all.map(\.name)
        XCTAssertEqual(Set(names).count, names.count)
        XCTAssertTrue(SettingKey.all.allSatisfy { !$0.help.isEmpty })
        XCTAssertNotNil(SettingKey.named("students-per-mentor"))
    }

    func testBundledScenarioFilesParse() throws {
        let directory = ServerProcess.packageRoot.appendingPathComponent("loadtest/scenarios")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".yaml") }
        XCTAssertGreaterThanOrEqual(files.count, 5)
        var kinds = Set<ScenarioKind>()
        for file in files {
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            let settings = try SettingsResolver.resolve(scenario: nil, fileText: text, overrides: [])
            kinds.insert(settings.scenario)
        }
        XCTAssertEqual(kinds, Set(ScenarioKind.allCases))
    }

    func testEndpointParsing() throws {
        let endpoint = try ServerEndpoint(url: "ws://localhost:9000/ws")
        XCTAssertEqual(endpoint.host, "localhost")
        XCTAssertEqual(endpoint.port, 9000)
        XCTAssertEqual(endpoint.path, "/ws")
        XCTAssertFalse(endpoint.tls)
        XCTAssertTrue(endpoint.isLocal)
        XCTAssertEqual(endpoint.metricsURL, "http://localhost:9000/metrics")
        XCTAssertEqual(try endpoint.resolvedAddress().isEmpty, false)
        let secure = try ServerEndpoint(url: "wss://chat.example.com")
        XCTAssertEqual(secure.port, 443)
        XCTAssertEqual(secure.path, "/ws")
        XCTAssertTrue(secure.tls)
    }
}
