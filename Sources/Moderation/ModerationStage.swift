/// One step of the screening pipeline: reads the message's forms, adds findings, may mask the delivered text.
///
/// Stages are small immutable values built per org from the configuration; they run in a fixed order
/// (personal data, lists, regex rules, spam, toxicity) so that later ones may read what earlier ones found.
protocol ModerationStage: Sendable {
    func screen(_ screening: inout Screening)
}
