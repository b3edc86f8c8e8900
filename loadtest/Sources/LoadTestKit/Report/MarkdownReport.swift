import Foundation

/// The human-readable report (report.md) of one run.
enum MarkdownReport {
    static func render(_ result: RunResult) -> String {
        var lines: [String] = []
        let settings = result.settings
        lines.append("# rts-loadtest: \(result.scenario.rawValue)")
        lines.append("")
        lines.append("- started: \(result.startedAt)" + (result.commit.map { ", commit `\($0)`" } ?? ""))
        lines.append("- host: \(result.host.cores) cores, \(result.host.memoryBytes >> 30) GiB, open-file limit \(result.host.openFileLimit)")
        lines.append("- server: \(settings.urls.joined(separator: ", "))" + (result.serverPID.map { " (pid \($0))" } ?? " (pid unknown: no RSS/CPU)"))
        lines.append("- workload: \(workload(settings))")
        lines.append("- bottleneck: \(result.bottleneck)")
        lines.append("")
        lines.append("![latency percentiles against offered load](latency.svg)")
        lines.append("")

        if !result.verdicts.isEmpty {
            lines.append("## Targets")
            lines.append("")
            lines.append("| check | target | measured | |")
            lines.append("|---|---|---|---|")
            for verdict in result.verdicts {
                lines.append("| \(verdict.name) | \(verdict.target) | \(verdict.measured) | \(verdict.passed ? "pass" : "**FAIL**") |")
            }
            lines.append("")
        }

        let setup = result.setup
        lines.append("## Connections")
        lines.append("")
        lines.append("\(setup.ready) of \(setup.clients) clients authenticated (\(setup.connectFailures) connect failures), setup \(fmt(setup.seconds)) s.")
        lines.append("")
        lines.append("| | p50 | p90 | p99 | max |")
        lines.append("|---|---|---|---|---|")
        lines.append("| connect (TCP + upgrade), ms | \(fmt(setup.connect.p50)) | \(fmt(setup.connect.p90)) | \(fmt(setup.connect.p99)) | \(fmt(setup.connect.max)) |")
        lines.append("| auth → hello, ms | \(fmt(setup.auth.p50)) | \(fmt(setup.auth.p90)) | \(fmt(setup.auth.p99)) | \(fmt(setup.auth.max)) |")
        lines.append("")

        if !result.idle.isEmpty {
            lines.append("## Idle memory")
            lines.append("")
            lines.append("| connections | authenticated | server RSS | baseline RSS | per connection | generator RSS |")
            lines.append("|---|---|---|---|---|---|")
            for sample in result.idle {
                lines.append("| \(sample.connections) | \(sample.authenticated) | \(mib(sample.serverRSSBytes)) | \(mib(sample.baselineRSSBytes)) | \(sample.bytesPerConnection.map { fmt($0 / 1024) + " KiB" } ?? "–") | \(mib(sample.generatorRSSBytes)) |")
            }
            lines.append("")
        }

        let steps = result.steps
        if !steps.isEmpty {
            lines.append("## Steps")
            lines.append("")
            lines.append("| step | offered msg/s | sent/s | acked/s | deliveries/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | ack p99 ms | gaps | dups | server CPU | server RSS | generator CPU (lws thread) | result |")
            lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
            for step in steps {
                let verdict = step.passed.map { $0 ? "pass" : "fail: " + (step.failure ?? "") } ?? ""
                lines.append(
                    "| \(step.label) | \(fmt0(step.offeredRate)) | \(fmt0(step.sentPerSecond)) | \(fmt0(step.ackedPerSecond)) | \(fmt0(step.deliveriesPerSecond)) "
                        + "| \(fmt(step.latency.p50)) | \(fmt(step.latency.p90)) | \(fmt(step.latency.p99)) | \(fmt(step.latency.p999)) | \(fmt(step.latency.max)) "
                        + "| \(fmt(step.ackLatency.p99)) | \(step.gaps) | \(step.duplicates) | \(step.serverCPUPercent.map { fmt0($0) + " %" } ?? "–") "
                        + "| \(mib(step.serverRSSBytes)) | \(fmt0(step.generatorCPUPercent)) % (\(step.serviceThreadCPUPercent.map { fmt0($0) } ?? "–") %) | \(verdict) |")
            }
            lines.append("")
        }

        if let storm = result.storm {
            lines.append("## Storm")
            lines.append("")
            lines.append("- \(storm.clients) clients dropped at once; \(storm.recovered) recovered" + (storm.allRecoveredSeconds.map { " — all within \(fmt($0)) s" } ?? " — not all recovered in time"))
            lines.append("- per-client recovery (drop → rejoined with `since`): p50 \(fmt(storm.recovery.p50)) ms, p99 \(fmt(storm.recovery.p99)) ms, max \(fmt(storm.recovery.max)) ms")
            lines.append("- messages replayed in `missed`: \(storm.replayedMessages); reconnect failures: \(storm.reconnectFailures)")
            lines.append("")
        }

        if let soak = result.soak {
            lines.append(contentsOf: soakSection(soak))
        }

        if settings.scenario != .idle {
            let loss = result.loss
            lines.append("## Loss and duplicates")
            lines.append("")
            lines.append("\(loss.subscriptions) client×room subscriptions; \(loss.expected) deliveries due after joining; missing \(loss.missing), duplicates \(loss.duplicates), unrecoverable \(loss.unrecoverable), detached at the end \(loss.detached)."
                + (loss.drained ? "" : " The drain ended with deliveries still owed (a backlog the server had not flushed), so `missing` includes them."))
            lines.append("")
        }

        let totals = result.totals
        lines.append("## Totals")
        lines.append("")
        lines.append("- sent \(totals.sent) (skipped \(totals.sendsSkipped)), acked \(totals.acked), send errors \(totals.sendErrors), held/masked by moderation \(totals.moderated)")
        lines.append("- deliveries \(totals.deliveries), replayed \(totals.replayed), stray pushes \(totals.strayPushes)")
        lines.append("- typing sent \(totals.typingSent) / received \(totals.typingPushes); reads sent \(totals.readsSent) / received \(totals.readPushes); presence pushes \(totals.presencePushes)")
        lines.append("- errors by code: \(counts(totals.errors))")
        lines.append("- close codes: \(counts(totals.closeCodes)); unexpected closes \(totals.unexpectedCloses)")
        lines.append("")

        if let plan = result.capacity {
            lines.append(contentsOf: CapacityReport.markdown(plan))
        } else {
            lines.append("## Capacity plan")
            lines.append("")
            lines.append("No step met the targets (or the scenario has no traffic), so this run gives no message rate to plan with; combine results with `rts-loadtest plan`.")
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }

    /// Slopes, then one sample per minute (and the last) so the table stays short for 30 minutes.
    static func soakSection(_ soak: SoakResult) -> [String] {
        func slope(_ value: Double?, _ unit: String) -> String { value.map { String(format: "%+.1f %@/min", $0, unit) } ?? "–" }
        var lines = ["## Soak", ""]
        lines.append("- RSS slope: \(slope(soak.rssSlopeKiBPerMinute, "KiB")) over the run, \(slope(soak.rssSlopeSecondHalfKiBPerMinute, "KiB")) over its second half")
        lines.append("- open-fd slope: \(slope(soak.fdSlopePerMinute, "fds")) over the run, \(slope(soak.fdSlopeSecondHalfPerMinute, "fds")) over its second half")
        lines.append("- \(soak.churned) clients left and came back; reactions sent \(soak.reactionsSent), history requests \(soak.historySent); \(soak.samples.count) samples")
        lines.append("")
        lines.append("| minute | server RSS | open fds | clients ready |")
        lines.append("|---|---|---|---|")
        var lastMinute = -1
        for (index, sample) in soak.samples.enumerated() {
            let minute = Int(sample.seconds / 60)
            guard minute != lastMinute || index == soak.samples.count - 1 else { continue }
            lastMinute = minute
            lines.append("| \(fmt(sample.seconds / 60)) | \(fmt(Double(sample.rssKiB) / 1024)) MiB | \(sample.openFiles) | \(sample.ready) |")
        }
        lines.append("")
        return lines
    }

    static func workload(_ settings: LoadTestSettings) -> String {
        switch settings.scenario {
        case .idle:
            return "idle, \(settings.connections.map(String.init).joined(separator: " → ")) connections" + (settings.idleJoin ? ", joined to one room" : "")
        case .fanout:
            return "fanout, \(settings.rooms) room(s) × \(settings.members) members, \(settings.publishers) publishers at \(fmt0(settings.rate)) msgs/s, \(settings.messageBytes)-byte texts, \(fmt0(settings.durationSeconds)) s"
        case .mentoring:
            return "mentoring, \(settings.mentors) mentors × \(settings.studentsPerMentor) students (direct rooms) + \(settings.groups) groups of \(settings.groupSize), \(settings.rateOverride ? fmt0(settings.rate) + " msgs/s" : fmt(settings.msgsPerMinute) + " msgs/min per user"), typing \(fmt0(settings.typingPercent)) %, reads every \(settings.readIntervalMS) ms"
        case .storm:
            return "storm, \(settings.rooms) room(s) × \(settings.members) members, \(settings.publishers) publishers at \(fmt0(settings.rate)) msgs/s; non-publishers drop after \(fmt(settings.stormAfterSeconds)) s, downtime \(settings.stormDowntimeMS) ms"
        case .soak:
            return "soak, \(settings.mentors) mentors × \(settings.studentsPerMentor) students + \(settings.groups) groups of \(settings.groupSize), \(fmt(settings.msgsPerMinute)) msgs/min per user, typing \(fmt0(settings.typingPercent)) %, reactions \(fmt0(settings.reactPercent)) %, history \(fmt0(settings.historyPercent)) %, \(fmt(settings.churnPercent)) % of clients leave for \(settings.churnDowntimeMS) ms every \(fmt(settings.churnIntervalSeconds)) s, \(fmt0(settings.durationSeconds / 60)) min"
        case .ramp:
            let growth = settings.rampStep > 0 ? "+\(fmt0(settings.rampStep))" : "×\(fmt(settings.rampFactor))"
            return "ramp over \(settings.rampTopology.rawValue) (\(settings.rampTopology == .fanout ? "\(settings.rooms) × \(settings.members), \(settings.publishers) publishers" : "\(settings.mentors) mentors × \(settings.studentsPerMentor)")), from \(fmt0(settings.rampStart)) msgs/s \(growth) per \(fmt0(settings.stepSeconds)) s step, p99 target \(fmt(settings.p99TargetMS)) ms"
        }
    }

    static func fmt(_ value: Double) -> String { String(format: "%.2f", value) }
    static func fmt0(_ value: Double) -> String { String(format: "%.0f", value) }
    static func mib(_ bytes: Int?) -> String { bytes.map { String(format: "%.1f MiB", Double($0) / 1_048_576) } ?? "–" }
    static func counts(_ map: [String: Int]) -> String {
        map.isEmpty ? "none" : map.sorted { $0.key < $1.key }.map { "\($0.key) × \($0.value)" }.joined(separator: ", ")
    }
}

/// The capacity plan section, shared by run reports and `rts-loadtest plan`.
public enum CapacityReport {
    public static func markdown(_ plan: CapacityPlan) -> [String] {
        var lines = ["## Capacity plan", "", plan.summary, ""]
        lines.append("Assumptions: U = \(plan.assumptions.users) users, A = \(CapacityPlan.number(plan.assumptions.onlinePercent)) % online, S = \(CapacityPlan.number(plan.assumptions.msgsPerMinute)) msgs/min per online user, \(CapacityPlan.number(plan.assumptions.recipientsPerMessage)) deliveries per message, nodes run at \(CapacityPlan.number(plan.assumptions.headroomPercent)) % of measured capacity; node figures from \(plan.node.source).")
        lines.append("")
        lines += plan.workings.map { "    " + $0 }
        lines.append("")
        return lines
    }
}
