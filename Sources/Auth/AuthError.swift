/// Why a token was refused. `message` is short and safe to send as a WebSocket close
/// reason (close reasons are limited to 123 bytes), so it never echoes token content.
public struct AuthError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case malformed
        case unsupportedAlgorithm
        case badSignature
        case expired
        case notYetValid
        case invalidClaims
        /// The verifier or minter itself was set up wrongly (bad key, empty secret).
        case configuration
    }

    public static let maxMessageBytes = 120

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = Self.truncated(message)
    }

    public var description: String { message }

    /// Cuts at a character boundary so the result stays valid UTF-8.
    private static func truncated(_ text: String) -> String {
        guard text.utf8.count > maxMessageBytes else { return text }
        var result = ""
        for character in text {
            if result.utf8.count + character.utf8.count > maxMessageBytes { break }
            result.append(character)
        }
        return result
    }
}
