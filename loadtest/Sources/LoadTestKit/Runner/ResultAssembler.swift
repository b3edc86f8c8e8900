import Foundation

/// Turns a scenario's outcome into the `RunResult`: totals, verdicts against the targets,
/// which side was the bottleneck, and the capacity plan.
enum ResultAssembler {
    static func assemble(
        outcome: ScenarioOutcome, settings: LoadTestSettings, startedAt: String, serverPID: Int?,
        topologyFanout: Double, serverMetrics: [String: Double]?
    ) -> RunResult {
        let session = outcome.session
        let total = session.total
        let counters = total.counters
        let setup = SetupResult(
            clients: session.topology.users.count, ready: outcome.idle.last?.authenticated ?? readyCount(outcome),
            connectFailures: counters.connectFailures, seconds: session.setupSeconds,
            connect: LatencySummary(total.connectLatency), auth: LatencySummary(total.authLatency))
        let loss = LossResult(
            subscriptions: outcome.loss.subscriptions, expected: outcome.loss.expected, missing: outcome.loss.missing,
            duplicates: outcome.loss.duplicates, unrecoverable: outcome.loss.unrecoverable, detached: outcome.loss.detached,
            drained: session.drained)
        let totals = Totals(
            sent: counters.sent, sendsSkipped: counters.sendsSkipped, acked: counters.acked, sendErrors: counters.sendErrors,
            moderated: counters.moderated, deliveries: counters.deliveries, replayed: counters.replayed,
            typingSent: counters.typingSent, readsSent: counters.readsSent, typingPushes: counters.typingPushes,
            readPushes: counters.readPushes, presencePushes: counters.presencePushes, strayPushes: counters.strayPushes,
            unexpectedCloses: counters.unexpectedCloses, errors: counters.errors,
            closeCodes: Dictionary(uniqueKeysWithValues: counters.closeCodes.map { (String($0.key), $0.value) }))
        var result = RunResult(
            scenario: settings.scenario, startedAt: startedAt, commit: GitCommit.current(), host: HostInfo.current(),
            settings: settings, serverPID: serverPID, setup: setup, steps: outcome.steps, idle: outcome.idle,
            storm: outcome.storm, soak: outcome.soak, loss: loss, totals: totals,
            bottleneck: Bottleneck.describe(steps: outcome.steps), capacity: nil, serverMetrics: serverMetrics)
        result.verdicts = Verdicts.make(settings: settings, result: result)
        result.capacity = capacityPlan(outcome: outcome, settings: settings, setup: setup, fanout: topologyFanout)
        return result
    }

    private static func readyCount(_ outcome: ScenarioOutcome) -> Int {
        outcome.session.peakReady
    }

    /// Needs a rate that met the targets; connections come from the setting or what this run held.
    static func capacityPlan(outcome: ScenarioOutcome, settings: LoadTestSettings, setup: SetupResult, fanout: Double) -> CapacityPlan? {
        guard let step = outcome.capacityStep, step.ackedPerSecond > 0 else { return nil }
        let measuredFanout = step.deliveriesPerSecond > 0 ? step.deliveriesPerSecond / step.ackedPerSecond : fanout
        let node = CapacityPlan.NodeCapacity(
            connections: settings.planNodeConnections ?? setup.ready, msgsPerSecond: step.ackedPerSecond,
            measuredFanout: measuredFanout, p99TargetMS: settings.p99TargetMS,
            source: "\(settings.scenario.rawValue) \(step.label)",
            connectionsSource: settings.planNodeConnections != nil ? "plan_node_connections" : "held in this run, not the node's limit (run idle and `rts-loadtest plan`)")
        return CapacityPlan(node: node, assumptions: CapacityPlan.Assumptions(settings))
    }
}

/// Names the side that limited the run from CPU use: a saturated lws service thread means
/// the generator's figures are only a lower bound for the server.
enum Bottleneck {
    static func describe(steps: [StepResult]) -> String {
        let measured = steps.filter { $0.label != "warmup" }
        guard !measured.isEmpty else { return "no traffic steps" }
        let server = measured.compactMap(\.serverCPUPercent).max()
        let thread = measured.compactMap(\.serviceThreadCPUPercent).max()
        let generator = measured.map(\.generatorCPUPercent).max() ?? 0
        let serverText = server.map { String(format: "server %.0f%% of a core", $0) } ?? "server CPU unknown"
        let generatorText = String(format: "generator %.0f%% (lws thread %.0f%%)", generator, thread ?? 0)
        if let thread, thread >= 90 {
            return "generator: its service thread was saturated (\(generatorText); \(serverText)); the server may sustain more"
        }
        if let server, server >= 90 {
            return "server: CPU-bound (\(serverText); \(generatorText))"
        }
        return "neither side CPU-saturated (\(serverText); \(generatorText))"
    }
}

/// The targets of the issue, checked against what was measured.
enum Verdicts {
    static func make(settings: LoadTestSettings, result: RunResult) -> [Verdict] {
        var verdicts: [Verdict] = []
        func ms(_ value: Double) -> String { String(format: "%.2f ms", value) }
        switch settings.scenario {
        case .idle:
            for sample in result.idle {
                guard let bytes = sample.bytesPerConnection else { continue }
                verdicts.append(Verdict(
                    name: "server RSS per authenticated connection at \(sample.authenticated)",
                    target: String(format: "≤ %.0f KiB", settings.rssTargetKiB), measured: String(format: "%.2f KiB", bytes / 1024),
                    passed: bytes <= settings.rssTargetKiB * 1024))
            }
        case .fanout, .mentoring:
            if let step = result.steps.first(where: { $0.label == "steady" }) {
                verdicts.append(Verdict(
                    name: "p99 send→deliver at \(Int(step.offeredRate)) msgs/s", target: "< " + ms(settings.p99TargetMS),
                    measured: ms(step.latency.p99), passed: step.latency.count > 0 && step.latency.p99 < settings.p99TargetMS))
                verdicts.append(Verdict(
                    name: "deliveries/s", target: "reported", measured: String(format: "%.0f", step.deliveriesPerSecond), passed: true))
            }
        case .storm:
            if let storm = result.storm {
                let seconds = storm.allRecoveredSeconds
                verdicts.append(Verdict(
                    name: "\(storm.clients) clients reconnect and all recover", target: String(format: "≤ %.1f s", settings.recoveryTargetSeconds),
                    measured: seconds.map { String(format: "%.2f s (%d recovered)", $0, storm.recovered) } ?? "\(storm.recovered) of \(storm.clients) recovered",
                    passed: seconds.map { $0 <= settings.recoveryTargetSeconds } ?? false))
            }
        case .soak:
            if let soak = result.soak {
                func perMinute(_ value: Double?, _ unit: String) -> String { value.map { String(format: "%+.1f %@/min", $0, unit) } ?? "too few samples" }
                verdicts.append(Verdict(
                    name: "server RSS slope, second half (whole run \(perMinute(soak.rssSlopeKiBPerMinute, "KiB")))",
                    target: String(format: "≤ %.0f KiB/min", settings.rssSlopeTargetKiB), measured: perMinute(soak.rssSlopeSecondHalfKiBPerMinute, "KiB"),
                    passed: soak.rssSlopeSecondHalfKiBPerMinute.map { $0 <= settings.rssSlopeTargetKiB } ?? false))
                verdicts.append(Verdict(
                    name: "server open-fd slope, second half (whole run \(perMinute(soak.fdSlopePerMinute, "fds")))",
                    target: String(format: "≤ %.1f fds/min", settings.fdSlopeTarget), measured: perMinute(soak.fdSlopeSecondHalfPerMinute, "fds"),
                    passed: soak.fdSlopeSecondHalfPerMinute.map { $0 <= settings.fdSlopeTarget } ?? false))
            }
        case .ramp:
            let passing = result.steps.filter { $0.passed == true && $0.label.hasPrefix("step") }
            let best = passing.max { $0.offeredRate < $1.offeredRate }
            verdicts.append(Verdict(
                name: "max sustainable rate (p99 < \(ms(settings.p99TargetMS)), no loss)", target: "reported",
                measured: best.map { String(format: "%.0f msgs/s, %.0f deliveries/s", $0.ackedPerSecond, $0.deliveriesPerSecond) } ?? "no step passed",
                passed: best != nil))
            if let half = result.steps.first(where: { $0.label == "half of max" }) {
                verdicts.append(Verdict(
                    name: "p99 at half the max rate (\(Int(half.offeredRate)) msgs/s)", target: "< " + ms(settings.p99TargetMS),
                    measured: ms(half.latency.p99), passed: half.latency.count > 0 && half.latency.p99 < settings.p99TargetMS))
            }
        }
        if settings.scenario != .idle {
            let lost = result.loss.missing
            verdicts.append(Verdict(
                name: "loss (missing seqs per client and room)", target: "0",
                measured: "\(lost) of \(result.loss.expected)" + (result.loss.unrecoverable > 0 ? " (+\(result.loss.unrecoverable) unrecoverable)" : "")
                    + (result.loss.drained ? "" : " (drain incomplete: the server still owed deliveries)"),
                passed: lost == 0))
            verdicts.append(Verdict(
                name: "duplicates", target: "0", measured: "\(result.loss.duplicates)", passed: result.loss.duplicates == 0))
        }
        return verdicts
    }
}
