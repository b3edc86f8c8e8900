/// Whether a step met the targets: generator kept its schedule, p99 within target, no loss,
/// no duplicates, no errors or closes, and deliveries keeping up with what acks promised.
enum StepJudge {
    static func judge(_ step: StepResult, p99TargetMS: Double) -> StepResult {
        var judged = step
        judged.failure = failure(step, p99TargetMS: p99TargetMS)
        judged.passed = judged.failure == nil
        return judged
    }

    static func failure(_ step: StepResult, p99TargetMS: Double) -> String? {
        if step.offeredRate > 0 && step.sentPerSecond < 0.95 * step.offeredRate {
            return String(format: "generator sent only %.0f of %.0f msgs/s", step.sentPerSecond, step.offeredRate)
        }
        if step.latency.count > 0 && step.latency.p99 > p99TargetMS {
            return String(format: "p99 %.2f ms > %.2f ms", step.latency.p99, p99TargetMS)
        }
        if step.gaps > 0 { return "\(step.gaps) messages lost (seq gaps)" }
        if step.duplicates > 0 { return "\(step.duplicates) duplicate deliveries" }
        if step.unexpectedCloses > 0 { return "\(step.unexpectedCloses) connections closed by the server" }
        if step.errors > 0 { return "\(step.errors) error replies" }
        if step.expectedDeliveriesPerSecond > 0 && step.deliveriesPerSecond < 0.95 * step.expectedDeliveriesPerSecond {
            return String(format: "deliveries fall behind (%.0f of %.0f /s)", step.deliveriesPerSecond, step.expectedDeliveriesPerSecond)
        }
        return nil
    }
}
