/// fanout and mentoring: set up the rooms, warm up, measure at one offered rate, drain.
enum TrafficScenario {
    static func run(settings: LoadTestSettings, topology: Topology, rate: Double, typingProbability: Double, session makeSession: (Topology) throws -> RunSession) async throws -> ScenarioOutcome {
        let session = try makeSession(topology)
        var outcome = ScenarioOutcome(session: session)
        try await session.startWithEveryoneJoined()

        let plan = session.trafficPlan(rate: rate, typingProbability: typingProbability)
        await session.engine.perform { $0.startTraffic(plan) }
        if settings.warmupSeconds > 0 {
            _ = await session.measure("warmup", seconds: settings.warmupSeconds, offeredRate: rate)
        }
        let step = StepJudge.judge(await session.measure("steady", seconds: settings.durationSeconds, offeredRate: rate), p99TargetMS: settings.p99TargetMS)
        outcome.steps = [step]
        if step.passed == true { outcome.capacityStep = step }
        await session.engine.perform { $0.stopTraffic() }
        await session.drain()
        outcome.loss = await session.close()
        return outcome
    }

    /// Offered rate of the mentoring topology: every user × msgs/min, unless `rate_override`.
    static func mentoringRate(_ settings: LoadTestSettings, users: Int) -> Double {
        settings.rateOverride ? settings.rate : Double(users) * settings.msgsPerMinute / 60
    }
}
