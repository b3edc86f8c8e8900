import Foundation

/// A labelled evaluation set (`config/moderation/eval/*.tsv`):
/// `expected_action<TAB>category<TAB>user<TAB>text`, `#` comments. Category `benign` means nothing to find.
///
/// The user field is `-` (a fresh user for the line) or a name (lines of one name are one sender in order,
/// for repeats and conversations), optionally followed by `@FROM>TO`: the sender's role and the reader's,
/// a role for a 1:1 room or `group` (`m1@mentor>student`, `-@student>group`). Without it the line is
/// judged as the riskiest conversation (`ModerationContext.Audience.unknown`).
struct EvaluationSet {
    struct Line: Sendable {
        var file: String
        var number: Int
        var action: ModerationAction
        var category: String
        var user: String?
        var role: String?
        /// `nil`: not known; `group`; otherwise the reader's role in a 1:1 room.
        var audience: String?
        var text: String

        var language: Language { Language.of(text) }
    }

    /// Messages are grouped by script for the report: Arabic, Hebrew, or anything else as English.
    enum Language: String, CaseIterable, Sendable {
        case en, he, ar

        static func of(_ text: String) -> Language {
            for scalar in text.unicodeScalars {
                if (0x0600...0x06FF).contains(scalar.value) { return .ar }
                if (0x0590...0x05FF).contains(scalar.value) { return .he }
            }
            return .en
        }
    }

    struct FormatError: Error, CustomStringConvertible {
        var file: String
        var line: Int
        var message: String
        var description: String { "\(file):\(line): \(message)" }
    }

    static let benign = "benign"
    static let group = "group"

    var lines: [Line]

    init(paths: [String]) throws {
        lines = []
        for path in paths { lines += try Self.read(path) }
    }

    /// The `.tsv` files directly in `directory`, sorted.
    static func files(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".tsv") }.sorted()
            .map { URL(fileURLWithPath: directory).appendingPathComponent($0).path }
    }

    private static func read(_ path: String) throws -> [Line] {
        let file = URL(fileURLWithPath: path).lastPathComponent
        let contents = try String(contentsOfFile: path, encoding: .utf8)
        var lines: [Line] = []
        for (offset, raw) in contents.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if raw.isEmpty || raw.hasPrefix("#") { continue }
            func failure(_ message: String) -> FormatError { FormatError(file: file, line: offset + 1, message: message) }
            let fields = raw.split(separator: "\t", maxSplits: 3, omittingEmptySubsequences: false)
            guard fields.count == 4 else { throw failure("expected 4 tab-separated fields") }
            guard let action = ModerationAction(rawValue: String(fields[0])) else { throw failure("unknown action \(fields[0])") }
            let userField = fields[2].split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
            var role: String?
            var audience: String?
            if userField.count == 2 {
                let roles = userField[1].split(separator: ">", omittingEmptySubsequences: false)
                guard roles.count == 2, !roles[0].isEmpty, !roles[1].isEmpty else { throw failure("context must read @FROM>TO") }
                role = String(roles[0])
                audience = String(roles[1])
            }
            let user = userField[0] == "-" ? nil : String(userField[0])
            lines.append(Line(
                file: file, number: offset + 1, action: action, category: String(fields[1]), user: user, role: role, audience: audience,
                text: String(fields[3])))
        }
        return lines
    }
}
