import Foundation
import Logging

/// Runs the scenario the settings name and returns the full result.
public struct ScenarioRunner: Sendable {
    public let settings: LoadTestSettings
    private let logger: Logger

    public init(settings: LoadTestSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    public func run() async throws -> RunResult {
        let startedAt = ISO8601DateFormatter().string(from: Date())
        let tag = settings.runTag ?? "lt" + String(UInt32.random(in: 0...UInt32.max), radix: 36)
        guard let firstURL = settings.urls.first else { throw RunError("no server URL") }
        let first = try ServerEndpoint(url: firstURL)
        let serverPID = settings.serverPID ?? (first.isLocal ? ServerLocator.pid(listeningOn: first.port) : nil)
        if serverPID == nil {
            logger.warning("server pid unknown (pass --server-pid): no server RSS/CPU figures")
        }
        let metricsURL = settings.metricsURL ?? first.metricsURL
        let settings = settings
        let logger = logger
        let makeSession: (Topology) throws -> RunSession = { topology in
            try RunSession(settings: settings, topology: topology, serverPID: serverPID, logger: logger)
        }

        let outcome: ScenarioOutcome
        var fanout = 0.0
        switch settings.scenario {
        case .idle:
            outcome = try await IdleScenario.run(settings: settings, tag: tag, serverPID: serverPID, metricsURL: metricsURL, session: makeSession)
        case .fanout:
            let topology = Self.fanoutTopology(settings, tag: tag)
            fanout = topology.deliveriesPerMessage
            outcome = try await TrafficScenario.run(settings: settings, topology: topology, rate: settings.rate, typingProbability: 0, session: makeSession)
        case .mentoring:
            let topology = Self.mentoringTopology(settings, tag: tag)
            fanout = topology.deliveriesPerMessage
            outcome = try await TrafficScenario.run(
                settings: settings, topology: topology, rate: TrafficScenario.mentoringRate(settings, users: topology.users.count),
                typingProbability: settings.typingPercent / 100, session: makeSession)
        case .storm:
            let topology = Self.fanoutTopology(settings, tag: tag)
            fanout = topology.deliveriesPerMessage
            outcome = try await StormScenario.run(settings: settings, topology: topology, session: makeSession)
        case .soak:
            let topology = Self.mentoringTopology(settings, tag: tag)
            fanout = topology.deliveriesPerMessage
            outcome = try await SoakScenario.run(settings: settings, topology: topology, session: makeSession)
        case .ramp:
            let topology = settings.rampTopology == .mentoring ? Self.mentoringTopology(settings, tag: tag) : Self.fanoutTopology(settings, tag: tag)
            fanout = topology.deliveriesPerMessage
            outcome = try await RampScenario.run(
                settings: settings, topology: topology,
                typingProbability: settings.rampTopology == .mentoring ? settings.typingPercent / 100 : 0, session: makeSession)
        }
        return ResultAssembler.assemble(
            outcome: outcome, settings: settings, startedAt: startedAt, serverPID: serverPID,
            topologyFanout: fanout, serverMetrics: MetricsScraper.scrape(url: metricsURL))
    }

    static func fanoutTopology(_ settings: LoadTestSettings, tag: String) -> Topology {
        TopologyBuilder.fanout(rooms: settings.rooms, members: settings.members, publishers: settings.publishers, tag: tag)
    }

    static func mentoringTopology(_ settings: LoadTestSettings, tag: String) -> Topology {
        TopologyBuilder.mentoring(
            mentors: settings.mentors, studentsPerMentor: settings.studentsPerMentor, groups: settings.groups,
            groupSize: settings.groupSize, tag: tag)
    }
}
