import Foundation
import Logging

/// Failure to set up or run a scenario.
public struct RunError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// One run in progress: the engine, the resource monitor, the progress line, and the totals
/// every observed window is folded into. Used from a single task, one call at a time.
final class RunSession {
    let settings: LoadTestSettings
    let topology: Topology
    let logger: Logger
    let engine: ClientEngine
    let monitor: ResourceMonitor
    let progress: ProgressLine
    private(set) var total = EngineWindow(startNS: MonotonicClock.nanoseconds())
    private let startNS = MonotonicClock.nanoseconds()
    private var lastProgressNS: UInt64 = 0
    private var lastSample = ResourceMonitor.Sample(serverRSSBytes: nil, serverCPUPercent: nil, generatorCPUPercent: 0, serviceThreadCPUPercent: nil)
    private(set) var setupSeconds = 0.0
    /// Whether the last drain saw every ack and promised delivery arrive.
    private(set) var drained = true
    /// Most clients authenticated at once during the run.
    private(set) var peakReady = 0

    init(settings: LoadTestSettings, topology: Topology, serverPID: Int?, logger: Logger) throws {
        self.settings = settings
        self.topology = topology
        self.logger = logger
        let fileLimit = OpenFileLimit.raiseToHard()
        // Each connection is one descriptor; lws and the process need a few more.
        guard topology.users.count + 64 <= fileLimit else {
            throw RunError("\(topology.users.count) connections need an open-file limit above \(topology.users.count + 64) (now \(fileLimit)); run `ulimit -n 20000` first")
        }
        let endpoints = try settings.urls.map { url -> EngineSetup.Endpoint in
            let endpoint = try ServerEndpoint(url: url)
            return EngineSetup.Endpoint(
                address: try endpoint.resolvedAddress(), port: endpoint.port, path: endpoint.path,
                authority: endpoint.authority, tls: endpoint.tls)
        }
        let minter = TokenMinter(secret: settings.secret)
        let clients = topology.users.enumerated().map { index, user in
            EngineSetup.Client(
                user: user.id, role: user.role, token: minter.token(sub: user.id, org: settings.org, role: user.role),
                endpoint: index % endpoints.count)
        }
        let setup = EngineSetup(
            endpoints: endpoints, clients: clients, rooms: topology.rooms, messageBytes: settings.messageBytes,
            readIntervalMS: settings.readIntervalMS, connectRate: settings.connectRate, connectConcurrency: settings.connectConcurrency)
        let engine = ClientEngine(setup: setup, logger: logger, fdLimit: fileLimit)
        self.engine = engine
        monitor = ResourceMonitor(serverPID: serverPID, serviceThreadCPU: { engine.serviceThreadCPUNanoseconds() })
        progress = ProgressLine(enabled: settings.progress)
    }

    func start() async throws {
        try await engine.start()
        monitor.mark()
    }

    var elapsed: Double { Double(MonotonicClock.nanoseconds() &- startNS) / 1e9 }

    /// Waits `seconds`, then takes the engine's window, samples resources and updates the progress line.
    @discardableResult
    func observe(_ phase: String, seconds: Double = 1) async -> (EngineWindow, ResourceMonitor.Sample) {
        try? await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
        let window = await engine.perform { $0.takeWindow() }
        let sample = monitor.sample()
        lastSample = sample
        total.add(window)
        peakReady = max(peakReady, window.gauges.ready)
        let now = MonotonicClock.nanoseconds()
        if now &- lastProgressNS >= 900_000_000 {
            lastProgressNS = now
            progress.show(ProgressLine.format(phase: phase, elapsed: elapsed, window: window, resources: sample))
        }
        return (window, sample)
    }

    /// Observes until `condition` holds for the engine's gauges, or `timeout` passes.
    func waitUntil(_ phase: String, timeout: Double, _ condition: @escaping @Sendable (EngineGauges) -> Bool) async -> Bool {
        let deadline = MonotonicClock.nanoseconds() + UInt64(timeout * 1e9)
        while MonotonicClock.nanoseconds() < deadline {
            let (window, _) = await observe(phase, seconds: 0.25)
            if condition(window.gauges) { return true }
        }
        return false
    }

    /// Connects clients (all by default) and waits until each is authenticated or failed.
    func connect(_ range: Range<Int>) async throws {
        let started = MonotonicClock.nanoseconds()
        await engine.perform { $0.connect(range) }
        let done = await waitUntil("connect", timeout: settings.setupTimeoutSeconds) { gauges in
            gauges.queuedConnects == 0 && gauges.connecting == 0 && gauges.open == gauges.ready
        }
        setupSeconds += Double(MonotonicClock.nanoseconds() &- started) / 1e9
        guard done else { throw RunError("connecting did not finish within \(settings.setupTimeoutSeconds) s") }
    }

    /// Starts the engine, connects every user and runs the setup phases: where every traffic scenario begins.
    func startWithEveryoneJoined() async throws {
        try await start()
        try await connect(0..<topology.users.count)
        try await runSetupPhases()
    }

    /// Runs the topology's setup phases (create, open, join), each finished before the next.
    func runSetupPhases() async throws {
        let started = MonotonicClock.nanoseconds()
        for (number, phase) in topology.phases.enumerated() where !phase.isEmpty {
            await engine.perform { $0.assign(phase) }
            let done = await waitUntil("setup \(number + 1)/\(topology.phases.count)", timeout: settings.setupTimeoutSeconds) { $0.pendingSetup == 0 }
            guard done else { throw RunError("setup phase \(number + 1) did not finish within \(settings.setupTimeoutSeconds) s") }
        }
        setupSeconds += Double(MonotonicClock.nanoseconds() &- started) / 1e9
    }

    func trafficPlan(rate: Double, typingProbability: Double = 0) -> TrafficPlan {
        TrafficPlan(slots: topology.slots, rate: rate, typingProbability: typingProbability)
    }

    /// Observes for `seconds` and folds everything into one step.
    func measure(_ label: String, seconds: Double, offeredRate: Double, phase: String? = nil) async -> StepResult {
        var aggregate = StepAggregate(label: label, offeredRate: offeredRate)
        let deadline = MonotonicClock.nanoseconds() + UInt64(seconds * 1e9)
        while MonotonicClock.nanoseconds() < deadline {
            let remaining = Double(deadline &- MonotonicClock.nanoseconds()) / 1e9
            let (window, sample) = await observe(phase ?? label, seconds: min(1, max(0.05, remaining)))
            aggregate.add(window, sample)
        }
        return aggregate.result()
    }

    /// After traffic stops: waits until every send is answered and every promised delivery
    /// arrived, as long as deliveries keep arriving (a backlog drains) and at most
    /// `drain` seconds once they stop. Returns whether everything arrived.
    @discardableResult
    func drain() async -> Bool {
        var quietSince = MonotonicClock.nanoseconds()
        let quietLimit = UInt64(settings.drainSeconds * 1e9)
        let hardLimit = quietSince + 20 * quietLimit
        while true {
            let (window, _) = await observe("drain", seconds: 0.25)
            let counters = total.counters
            if counters.acked + counters.sendErrors >= counters.sent && counters.deliveries >= counters.expectedDeliveries {
                drained = true
                return true
            }
            let now = MonotonicClock.nanoseconds()
            if window.counters.deliveries > 0 || window.counters.acked > 0 { quietSince = now }
            if now &- quietSince > quietLimit || now > hardLimit {
                drained = false
                return false
            }
        }
    }

    /// Closes every connection and stops the engine.
    func close() async -> LossAccounting {
        let loss = await engine.perform { $0.lossAccounting() }
        await engine.perform { $0.closeAll() }
        _ = await waitUntil("close", timeout: 10) { $0.open == 0 && $0.connecting == 0 }
        progress.finish()
        await engine.stop()
        return loss
    }

    var latestSample: ResourceMonitor.Sample { lastSample }
}
