import ArgumentParser
import Foundation
import Moderation

/// Prints the category classifier's features for labelled lines: the input of
/// `scripts/train-moderation-model.py`.
struct ModerationFeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moderation-features",
        abstract: "Print the category classifier's feature hashes for labelled TSV files (for training).")

    @Argument(help: "Labelled sets (TSV: action, category, user[@FROM>TO], text).") var sets: [String]

    func run() throws {
        for line in try CategoryTrainingRows.lines(setPaths: sets) {
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
    }
}
