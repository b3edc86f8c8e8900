import Foundation

/// Mixed mentoring traffic for a long time (every member talks, typing, reads, reactions,
/// history pages) while clients keep leaving and coming back; samples the server's RSS and
/// open descriptors every `sample_seconds` and reports their least-squares slopes.
enum SoakScenario {
    static func run(settings: LoadTestSettings, topology: Topology, session makeSession: (Topology) throws -> RunSession) async throws -> ScenarioOutcome {
        let session = try makeSession(topology)
        var outcome = ScenarioOutcome(session: session)
        try await session.startWithEveryoneJoined()

        let rate = TrafficScenario.mentoringRate(settings, users: topology.users.count)
        var plan = session.trafficPlan(rate: rate, typingProbability: settings.typingPercent / 100)
        plan.reactProbability = settings.reactPercent / 100
        plan.historyProbability = settings.historyPercent / 100
        let trafficPlan = plan
        await session.engine.perform { $0.startTraffic(trafficPlan) }

        let serverPID = session.monitor.serverPID
        let churnCount = max(1, Int((Double(topology.users.count) * settings.churnPercent / 100).rounded()))
        let downtimeNS = UInt64(max(0, settings.churnDowntimeMS)) * 1_000_000
        var aggregate = StepAggregate(label: "soak", offeredRate: rate)
        var samples: [SoakResult.Sample] = []
        var churned = 0
        let start = session.elapsed
        var nextSample = 0.0
        var nextChurn = settings.churnIntervalSeconds
        while session.elapsed - start < settings.durationSeconds {
            let (window, sample) = await session.observe("soak", seconds: 1)
            aggregate.add(window, sample)
            let now = session.elapsed - start
            if now >= nextSample, let serverPID, let stat = ProcessStat.read(pid: serverPID) {
                samples.append(SoakResult.Sample(
                    seconds: now, rssKiB: stat.rssBytes / 1024, openFiles: ProcessStat.openFiles(pid: serverPID) ?? 0,
                    ready: window.gauges.ready))
                nextSample += settings.sampleSeconds
            }
            if now >= nextChurn {
                churned += await session.engine.perform { $0.churn(count: churnCount, downtimeNS: downtimeNS) }
                nextChurn += settings.churnIntervalSeconds
            }
        }
        await session.engine.perform { $0.stopTraffic() }
        // Let the last churned clients come back before counting what they missed.
        _ = await session.waitUntil("rejoin", timeout: settings.recoveryTimeoutSeconds) { $0.recovering == 0 && $0.pendingSetup == 0 }
        await session.drain()
        outcome.loss = await session.close()

        let step = StepJudge.judge(aggregate.result(), p99TargetMS: settings.p99TargetMS)
        outcome.steps = [step]
        let counters = session.total.counters
        outcome.soak = SoakResult.summarise(samples, churned: churned, reactionsSent: counters.reactionsSent, historySent: counters.historySent)
        return outcome
    }
}

extension SoakResult {
    static func summarise(_ samples: [Sample], churned: Int, reactionsSent: Int, historySent: Int) -> SoakResult {
        let secondHalf = samples.filter { $0.seconds >= (samples.last?.seconds ?? 0) / 2 }
        func slope(_ points: [Sample], _ value: (Sample) -> Double) -> Double? {
            LeastSquares.slope(points.map { (x: $0.seconds / 60, y: value($0)) })
        }
        return SoakResult(
            samples: samples,
            rssSlopeKiBPerMinute: slope(samples) { Double($0.rssKiB) },
            fdSlopePerMinute: slope(samples) { Double($0.openFiles) },
            rssSlopeSecondHalfKiBPerMinute: slope(secondHalf) { Double($0.rssKiB) },
            fdSlopeSecondHalfPerMinute: slope(secondHalf) { Double($0.openFiles) },
            churned: churned, reactionsSent: reactionsSent, historySent: historySent)
    }
}

/// The slope of the least-squares line through the points; nil with fewer than two distinct x.
enum LeastSquares {
    static func slope(_ points: [(x: Double, y: Double)]) -> Double? {
        guard points.count >= 2 else { return nil }
        let n = Double(points.count)
        let meanX = points.reduce(0) { $0 + $1.x } / n
        let meanY = points.reduce(0) { $0 + $1.y } / n
        var covariance = 0.0
        var variance = 0.0
        for point in points {
            covariance += (point.x - meanX) * (point.y - meanY)
            variance += (point.x - meanX) * (point.x - meanX)
        }
        return variance > 0 ? covariance / variance : nil
    }
}
