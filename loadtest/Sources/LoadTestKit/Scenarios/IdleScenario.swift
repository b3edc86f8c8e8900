import Foundation

/// N authenticated connections doing nothing; server memory per connection at each count.
enum IdleScenario {
    static func run(settings: LoadTestSettings, tag: String, serverPID: Int?, metricsURL: String, session makeSession: (Topology) throws -> RunSession) async throws -> ScenarioOutcome {
        let stages = settings.connections.sorted()
        let topology = TopologyBuilder.idle(count: stages.last ?? 0, join: settings.idleJoin, tag: tag)
        let session = try makeSession(topology)
        var outcome = ScenarioOutcome(session: session)
        // Before any connection: what the server holds on its own.
        let baseline = session.monitor.serverRSS()
        try await session.start()

        var connected = 0
        for (stage, target) in stages.enumerated() where target > connected {
            try await session.connect(connected..<target)
            if settings.idleJoin {
                var phases: [[Int: [ControlStep]]] = []
                if stage == 0 { phases.append([0: [.createRoom(room: 0)]]) }
                phases.append(Dictionary(uniqueKeysWithValues: (connected..<target).map { ($0, [ControlStep.join(room: 0, readReceipts: false)]) }))
                for phase in phases {
                    await session.engine.perform { $0.assign(phase) }
                    _ = await session.waitUntil("join", timeout: settings.setupTimeoutSeconds) { $0.pendingSetup == 0 }
                }
            }
            connected = target
            var ready = 0
            let settleEnd = session.elapsed + settings.settleSeconds
            repeat {
                let (window, _) = await session.observe("idle \(target)")
                ready = window.gauges.ready
            } while session.elapsed < settleEnd
            let rss = session.monitor.serverRSS()
            var sample = IdleSample(
                connections: target, authenticated: ready, baselineRSSBytes: baseline, serverRSSBytes: rss,
                bytesPerConnection: nil, generatorRSSBytes: ProcessStat.read(pid: Int(getpid()))?.rssBytes,
                serverMetrics: MetricsScraper.scrape(url: metricsURL))
            if let rss, let baseline, ready > 0 { sample.bytesPerConnection = Double(rss - baseline) / Double(ready) }
            outcome.idle.append(sample)
        }
        outcome.loss = await session.close()
        return outcome
    }
}
