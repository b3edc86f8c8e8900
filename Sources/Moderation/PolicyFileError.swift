/// A configuration file that could not be read or made sense of; the pipeline keeps its previous rules.
public struct PolicyFileError: Error, CustomStringConvertible {
    /// A value out of range, found while applying settings (the caller knows which file).
    enum Problem: Error {
        case invalid(String)

        var message: String {
            switch self {
            case .invalid(let message): message
            }
        }
    }

    public var file: String
    public var message: String

    public var description: String { "\(file): \(message)" }
}
