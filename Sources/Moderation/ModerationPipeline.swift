import Foundation
import Logging
import Synchronization

/// The inline moderator: ordered stages per org (personal data, word lists, category classifier, signals,
/// regex rules, spam, toxicity), configured by the files under config/moderation and reloadable without a restart.
///
/// `screen` is synchronous and safe to call from many threads at once; `reload` swaps every org's rules
/// at once, or none of them.
public final class ModerationPipeline: MessageModerator {
    private let directory: String
    private let logger: Logger
    private let shared: OrgPolicy.Shared
    private let policies: Mutex<PolicySet>

    /// Reads `directory` (config/moderation): `default.json`, `lists/*.json`, `orgs/*.json`, and the classifiers
    /// that `default.json` names (`model`, default `toxicity-model.json`; `classifier.model`, default
    /// `category-model.json` when that file exists), which are loaded once, here.
    public convenience init(directory: String, logger: Logger) throws {
        let files = try PolicyDirectory.read(directory)
        let base = URL(fileURLWithPath: directory)
        let modelPath = base.appendingPathComponent(files.defaults.contents.model ?? "toxicity-model.json").path
        let model: ToxicityModel
        do {
            model = try ToxicityModel(path: modelPath)
        } catch {
            throw PolicyFileError(file: modelPath, message: "cannot load the toxicity model: \(error)")
        }
        let named = files.defaults.contents.classifier?.model
        let categoriesPath = base.appendingPathComponent(named ?? "category-model.json").path
        var categories: CategoryModel?
        if named != nil || FileManager.default.fileExists(atPath: categoriesPath) {
            do {
                categories = try CategoryModel(path: categoriesPath)
            } catch {
                throw PolicyFileError(file: categoriesPath, message: "cannot load the category model: \(error)")
            }
        }
        try self.init(directory: directory, logger: logger, model: model, categories: categories, clock: MonotonicClock.nanoseconds)
    }

    /// For tests: shared, already loaded models and a controllable clock (nanoseconds).
    init(
        directory: String, logger: Logger, model: ToxicityModel, categories: CategoryModel?, clock: @escaping @Sendable () -> UInt64
    ) throws {
        self.directory = directory
        self.logger = logger
        shared = OrgPolicy.Shared(
            model: model, categories: categories, recent: BoundedHistory(entriesPerKey: SpamStage.messagesPerUser),
            conversations: BoundedHistory(entriesPerKey: SignalStage.entriesPerConversation), clock: clock)
        let set = try PolicySet(PolicyDirectory.read(directory), shared: shared)
        policies = Mutex(set)
        _ = ScalarTraits.of("\u{05D0}")  // build the Unicode table now rather than during the first message
        logger.info("moderation rules loaded", metadata: ["orgs": "\(set.orgs.count)", "directory": "\(directory)"])
    }

    /// Re-reads every file. On any error the previous rules stay in force, the error is logged and thrown.
    /// The classifier is not re-read; spam history is kept.
    public func reload() throws {
        do {
            let set = try PolicySet(PolicyDirectory.read(directory), shared: shared)
            policies.withLock { $0 = set }
            logger.info("moderation rules reloaded", metadata: ["orgs": "\(set.orgs.count)"])
        } catch {
            logger.error("moderation reload failed; keeping the previous rules", metadata: ["error": "\(error)"])
            throw error
        }
    }

    public func screen(_ text: String, context: ModerationContext) -> Verdict {
        let policy = policies.withLock { $0 }.policy(for: context.org)
        var screening = Screening(text, context: context)
        for stage in policy.stages { stage.screen(&screening) }
        return screening.verdict(neverBlock: policy.settings.neverBlock, urgent: policy.settings.urgent)
    }
}
