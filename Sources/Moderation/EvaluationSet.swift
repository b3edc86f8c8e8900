import Foundation

/// The labelled evaluation set (`config/moderation/eval/labelled.tsv`):
/// `expected_action<TAB>category<TAB>user<TAB>text`, `#` comments. Category `benign` means nothing to find;
/// user `-` means a fresh user for the line, a name shares history with other lines of that name (repeats).
struct EvaluationSet {
    struct Line: Sendable {
        var number: Int
        var action: ModerationAction
        var category: String
        var user: String?
        var text: String
    }

    struct FormatError: Error, CustomStringConvertible {
        var line: Int
        var message: String
        var description: String { "line \(line): \(message)" }
    }

    static let benign = "benign"

    var lines: [Line]

    init(path: String) throws {
        let contents = try String(contentsOfFile: path, encoding: .utf8)
        var lines: [Line] = []
        for (offset, raw) in contents.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if raw.isEmpty || raw.hasPrefix("#") { continue }
            let fields = raw.split(separator: "\t", maxSplits: 3, omittingEmptySubsequences: false)
            guard fields.count == 4 else { throw FormatError(line: offset + 1, message: "expected 4 tab-separated fields") }
            guard let action = ModerationAction(rawValue: String(fields[0])) else {
                throw FormatError(line: offset + 1, message: "unknown action \(fields[0])")
            }
            let user = fields[2] == "-" ? nil : String(fields[2])
            lines.append(Line(number: offset + 1, action: action, category: String(fields[1]), user: user, text: String(fields[3])))
        }
        self.lines = lines
    }
}
