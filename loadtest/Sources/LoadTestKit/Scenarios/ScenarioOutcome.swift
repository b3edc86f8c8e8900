/// What a scenario body hands back to the runner for the report.
struct ScenarioOutcome {
    var session: RunSession
    var steps: [StepResult] = []
    var idle: [IdleSample] = []
    var storm: StormResult?
    var soak: SoakResult?
    var loss = LossAccounting()
    /// The step whose rate the capacity plan uses (highest passing), if any.
    var capacityStep: StepResult?

    init(session: RunSession) {
        self.session = session
    }
}
