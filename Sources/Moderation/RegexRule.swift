import Foundation

/// A configured regular expression: on a match the message gets `reason` and `action`.
struct RegexRule: Sendable {
    /// Which form of the message a rule reads.
    enum Target: String, Sendable, Decodable {
        /// The text as written.
        case original
        /// Lower-case normalised words joined by single spaces, punctuation gone ("i ll kill you").
        case normalised
        /// The same with repeated letters squeezed ("kiiiill" → "kil", so write `kil+`).
        case squeezed
    }

    enum CompileError: Error, CustomStringConvertible {
        case pattern(name: String, underlying: String)

        var description: String {
            switch self {
            case .pattern(let name, let underlying): "rule \(name): bad pattern: \(underlying)"
            }
        }
    }

    let name: String
    let reason: String
    let action: ModerationAction
    let target: Target
    /// Keys of normalised words one of which a message must contain for the pattern to be tried at all
    /// (empty: always tried). ICU matching costs tens of microseconds; a word lookup costs nothing.
    let requiredWords: [UInt64]
    private let expression: CompiledExpression

    init(name: String, pattern: String, reason: String, action: ModerationAction, target: Target, requires: [String] = []) throws(CompileError) {
        do {
            expression = CompiledExpression(try NSRegularExpression(pattern: pattern, options: [.caseInsensitive]))
        } catch {
            throw .pattern(name: name, underlying: "\(error)")
        }
        self.name = name
        self.reason = reason
        self.action = action
        self.target = target
        requiredWords = requires.flatMap { TextNormaliser.normalise($0).words.map(\.key) }
    }

    func matches(_ text: String) -> Bool {
        expression.regex.firstMatch(in: text, range: NSRange(location: 0, length: text.utf16.count)) != nil
    }
}

/// NSRegularExpression is immutable and documented thread-safe; Foundation on Linux does not mark it Sendable.
private struct CompiledExpression: @unchecked Sendable {
    let regex: NSRegularExpression

    init(_ regex: NSRegularExpression) {
        self.regex = regex
    }
}
