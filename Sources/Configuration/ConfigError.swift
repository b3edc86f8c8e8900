/// A configuration problem, with a message that names the key (or `RTS_*` variable) and the bad value.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The config key concerned, when there is one (nil for e.g. an unreadable file).
    public let key: String?
    public let message: String

    public init(key: String?, _ message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { message }
}
