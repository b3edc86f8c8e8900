import Foundation
import Logging
import Synchronization
@testable import Moderation

/// Shared test material: the repository's config directory, the model loaded once, temporary config trees.
enum Fixtures {
    static let repositoryConfig: String = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("config/moderation").path

    static let modelPath = repositoryConfig + "/toxicity-model.json"

    private static let loadedModel: Result<ToxicityModel, any Error> = Result { try ToxicityModel(path: modelPath) }

    static func model() throws -> ToxicityModel {
        try loadedModel.get()
    }

    private static let loadedCategories: Result<CategoryModel, any Error> = Result {
        try CategoryModel(path: repositoryConfig + "/category-model.json")
    }

    /// The shipped category classifier, loaded once.
    static func categories() throws -> CategoryModel {
        try loadedCategories.get()
    }

    /// Quiet: the reload tests provoke errors on purpose.
    static let logger: Logger = {
        var logger = Logger(label: "moderation-tests")
        logger.logLevel = .critical
        return logger
    }()

    static let context = ModerationContext(org: "acme", room: "general", user: "u1")

    /// The repository's own configuration, with a fresh spam history.
    static func repositoryPipeline(clock: ManualClock = ManualClock()) throws -> ModerationPipeline {
        try ModerationPipeline(directory: repositoryConfig, logger: logger, model: model(), categories: categories(), clock: clock.read)
    }

    /// A temporary configuration directory: `files` maps relative paths to JSON text.
    static func configDirectory(_ files: [String: String]) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("moderation-\(UUID().uuidString)")
        for (path, contents) in files { try write(contents, to: root.appendingPathComponent(path).path) }
        return root.path
    }

    static func write(_ contents: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try contents.write(to: url, atomically: true, encoding: .utf8)
    }
}

/// A clock the test moves by hand (nanoseconds).
final class ManualClock: Sendable {
    private let now = Mutex<UInt64>(1_000_000_000)

    var read: @Sendable () -> UInt64 { { self.now.withLock { $0 } } }

    func advance(seconds: Double) {
        now.withLock { $0 += UInt64(seconds * 1e9) }
    }
}
