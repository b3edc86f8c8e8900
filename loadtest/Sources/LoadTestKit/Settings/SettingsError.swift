/// A scenario file or override that cannot be applied.
public struct SettingsError: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
