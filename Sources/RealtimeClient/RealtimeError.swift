import JSONValues

/// A request that failed: an `error` reply from the server, or a failure on this side.
public struct RealtimeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The protocol's error code (`bad_request`, `unauthorized`, `forbidden`, `not_found`, `conflict`,
    /// `too_large`, `rate_limited`, `message_blocked`, `internal`, `unavailable`), or one of this
    /// client's: `timeout`, `disconnected`, `closed`.
    public var code: String
    public var message: String
    /// `message_blocked`: the moderator's category; `forbidden`: e.g. `muted`.
    public var reason: String?
    /// `rate_limited`: when to try again.
    public var retryAfterMS: Int64?

    public init(code: String, message: String, reason: String? = nil, retryAfterMS: Int64? = nil) {
        self.code = code
        self.message = message
        self.reason = reason
        self.retryAfterMS = retryAfterMS
    }

    /// An `error` frame from the server.
    init(frame: JSONValue) {
        self.init(
            code: frame["code"]?.string ?? "internal", message: frame["message"]?.string ?? "",
            reason: frame["reason"]?.string, retryAfterMS: frame["retry_after_ms"]?.int)
    }

    static let timeout = RealtimeError(code: "timeout", message: "no reply in time")
    static let disconnected = RealtimeError(code: "disconnected", message: "not connected")
    static let closed = RealtimeError(code: "closed", message: "the client was closed")

    public var description: String { "\(code): \(message)\(reason.map { " (\($0))" } ?? "")" }
}
