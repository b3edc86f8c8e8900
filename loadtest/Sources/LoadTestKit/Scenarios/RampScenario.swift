/// The capacity search: raise the offered rate step by step until a step fails (p99 over
/// the target, loss, errors, backlog), then measure p99 at half the highest passing rate.
/// A p99 miss before any step has passed does not end the search (a server that batches
/// can be slower at low load; it ends at p99 > 10 × the target then), and a p99-only miss
/// after a pass is measured once more before it counts.
enum RampScenario {
    static func run(settings: LoadTestSettings, topology: Topology, typingProbability: Double, session makeSession: (Topology) throws -> RunSession) async throws -> ScenarioOutcome {
        let session = try makeSession(topology)
        var outcome = ScenarioOutcome(session: session)
        try await session.start()
        try await session.connect(0..<topology.users.count)
        try await session.runSetupPhases()

        var rate = settings.rampStart
        let firstPlan = session.trafficPlan(rate: rate, typingProbability: typingProbability)
        await session.engine.perform { $0.startTraffic(firstPlan) }
        var best: StepResult?
        var retried = false
        var number = 0
        while number < max(1, settings.maxSteps) {
            number += 1
            let offered = rate
            let label = retried ? "step \(number) (again)" : "step \(number)"
            if retried {
                // Measure the retry from a clean state: the failed step may have left a backlog.
                await session.engine.perform { $0.stopTraffic() }
                await session.drain()
                let plan = session.trafficPlan(rate: offered, typingProbability: typingProbability)
                await session.engine.perform { $0.startTraffic(plan) }
            } else {
                await session.engine.perform { $0.setRate(offered) }
            }
            // One unmeasured second lets the previous rate's backlog clear.
            _ = await session.measure("settle", seconds: 1, offeredRate: offered, phase: "ramp \(number)")
            let step = StepJudge.judge(
                await session.measure(label, seconds: settings.stepSeconds, offeredRate: offered, phase: "ramp \(label) @\(Int(offered))/s"),
                p99TargetMS: settings.p99TargetMS)
            outcome.steps.append(step)
            if step.passed != true {
                let latencyOnly = isLatencyOnly(step, settings)
                if best == nil && latencyOnly {
                    rate = nextRate(rate, settings)
                    continue
                }
                // A single p99 miss (one storage stall) is measured once more before the search ends.
                guard latencyOnly && !retried else { break }
                retried = true
                number -= 1
                continue
            }
            retried = false
            best = step
            rate = nextRate(rate, settings)
        }
        outcome.capacityStep = best

        if settings.halfRateCheck, let best {
            await session.engine.perform { $0.stopTraffic() }
            await session.drain()
            let half = best.offeredRate / 2
            let plan = session.trafficPlan(rate: half, typingProbability: typingProbability)
            await session.engine.perform { $0.startTraffic(plan) }
            _ = await session.measure("settle", seconds: 1, offeredRate: half, phase: "half rate")
            outcome.steps.append(StepJudge.judge(
                await session.measure("half of max", seconds: max(settings.stepSeconds, 5), offeredRate: half),
                p99TargetMS: settings.p99TargetMS))
        }
        await session.engine.perform { $0.stopTraffic() }
        await session.drain()
        outcome.loss = await session.close()
        return outcome
    }

    /// The step failed on p99 alone, and not by an order of magnitude.
    static func isLatencyOnly(_ step: StepResult, _ settings: LoadTestSettings) -> Bool {
        var relaxed = settings
        relaxed.p99TargetMS = settings.p99TargetMS * 10
        return StepJudge.failure(step, p99TargetMS: relaxed.p99TargetMS) == nil
    }

    static func nextRate(_ rate: Double, _ settings: LoadTestSettings) -> Double {
        settings.rampStep > 0 ? rate + settings.rampStep : rate * max(1.01, settings.rampFactor)
    }
}
