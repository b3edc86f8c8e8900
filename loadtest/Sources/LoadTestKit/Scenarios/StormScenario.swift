/// Traffic runs; the non-publishing clients drop at once and reconnect, each rejoining its
/// rooms with `since`; measures until every one of them has recovered.
enum StormScenario {
    static func run(settings: LoadTestSettings, topology: Topology, session makeSession: (Topology) throws -> RunSession) async throws -> ScenarioOutcome {
        let session = try makeSession(topology)
        var outcome = ScenarioOutcome(session: session)
        try await session.startWithEveryoneJoined()

        let rate = settings.rate
        let plan = session.trafficPlan(rate: rate)
        await session.engine.perform { $0.startTraffic(plan) }
        if settings.warmupSeconds > 0 {
            _ = await session.measure("warmup", seconds: settings.warmupSeconds, offeredRate: rate)
        }
        let before = await session.measure("before storm", seconds: settings.stormAfterSeconds, offeredRate: rate)

        let clients = topology.stormClients
        let downtimeNS = UInt64(settings.stormDowntimeMS) * 1_000_000
        let concurrency = settings.stormConcurrency
        await session.engine.perform { core in
            // A storm arrives at once: no pacing beyond the optional concurrency cap.
            core.setConnectPace(rate: 0, concurrency: concurrency)
            core.storm(clients, downtimeNS: downtimeNS)
        }
        let stormStart = session.elapsed
        var aggregate = StepAggregate(label: "storm", offeredRate: rate)
        var recovered = false
        while session.elapsed - stormStart < settings.recoveryTimeoutSeconds {
            let (window, sample) = await session.observe("storm", seconds: 0.1)
            aggregate.add(window, sample)
            if window.gauges.recovering == 0 {
                recovered = true
                break
            }
        }
        let stormWindow = aggregate.window
        let pendingRecovery = await session.engine.perform { $0.gauges.recovering }
        let after = await session.measure("after storm", seconds: max(2, settings.durationSeconds / 2), offeredRate: rate)
        await session.engine.perform { $0.stopTraffic() }
        await session.drain()
        outcome.loss = await session.close()

        let recovery = session.total.recoveryTime
        outcome.storm = StormResult(
            clients: clients.count, recovered: clients.count - pendingRecovery,
            // Exact per client: the slowest recovery is the time until all had recovered.
            allRecoveredSeconds: recovered ? Double(recovery.max) / 1e6 : nil,
            recovery: LatencySummary(recovery),
            replayedMessages: session.total.counters.replayed,
            reconnectFailures: stormWindow?.counters.connectFailures ?? 0)
        outcome.steps = [
            StepJudge.judge(before, p99TargetMS: settings.p99TargetMS),
            aggregate.result(),
            StepJudge.judge(after, p99TargetMS: settings.p99TargetMS),
        ]
        return outcome
    }
}
