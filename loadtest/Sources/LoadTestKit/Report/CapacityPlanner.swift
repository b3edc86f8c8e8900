/// Combines saved results into one plan: connections from the idle (or largest) run, the
/// message rate from whichever measurement gives the best guaranteed rate at the assumed
/// recipients per message.
public enum CapacityPlanner {
    public static func plan(results: [RunResult], assumptions: CapacityPlan.Assumptions, nodeConnections: Int?, p99TargetMS: Double?) -> CapacityPlan? {
        let connections = nodeConnections ?? results.map { result in
            max(result.idle.map(\.authenticated).max() ?? 0, result.setup.ready)
        }.max() ?? 0
        var best: CapacityPlan.NodeCapacity?
        for result in results {
            let passing = result.steps.filter { $0.passed == true && $0.label != "half of max" && $0.ackedPerSecond > 0 }
            for step in passing {
                let node = CapacityPlan.NodeCapacity(
                    connections: connections, msgsPerSecond: step.ackedPerSecond,
                    measuredFanout: step.deliveriesPerSecond / step.ackedPerSecond,
                    p99TargetMS: p99TargetMS ?? result.settings.p99TargetMS,
                    source: "\(result.scenario.rawValue) \(step.label) (\(result.startedAt))",
                    connectionsSource: nodeConnections != nil ? "--node-connections" : "most held in these results")
                if best.map({ node.msgsPerSecond(atFanout: assumptions.recipientsPerMessage) > $0.msgsPerSecond(atFanout: assumptions.recipientsPerMessage) }) ?? true {
                    best = node
                }
            }
        }
        guard let best else { return nil }
        return CapacityPlan(node: best, assumptions: assumptions)
    }
}
