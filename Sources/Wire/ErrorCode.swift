/// The `code` of an `error` reply (PROTOCOL.md, Errors and limits).
public enum ErrorCode: String, Codable, Sendable, CaseIterable {
    case badRequest = "bad_request"
    case unauthorized
    case forbidden
    case notFound = "not_found"
    case conflict
    case tooLarge = "too_large"
    case rateLimited = "rate_limited"
    case messageBlocked = "message_blocked"
    case `internal`
    case unavailable
}

/// A request failed: becomes one `error` frame replying to the request.
public struct RequestError: Error, Sendable, Equatable {
    public var code: ErrorCode
    public var message: String
    /// `reason` field (e.g. `muted`, a moderation category).
    public var reason: String?
    /// `retry_after_ms` field for `rate_limited`.
    public var retryAfterMS: Int?

    public init(_ code: ErrorCode, _ message: String, reason: String? = nil, retryAfterMS: Int? = nil) {
        self.code = code
        self.message = message
        self.reason = reason
        self.retryAfterMS = retryAfterMS
    }

    public static func badRequest(_ message: String) -> RequestError { RequestError(.badRequest, message) }
    public static func notFound(_ what: String) -> RequestError { RequestError(.notFound, "\(what) not found") }
    public static func forbidden(_ message: String, reason: String? = nil) -> RequestError {
        RequestError(.forbidden, message, reason: reason)
    }
    public static let internalError = RequestError(.internal, "internal error")
}

/// WebSocket close codes the server uses (PROTOCOL.md, Close codes).
public enum CloseCode {
    public static let normal: UInt16 = 1000
    public static let goingAway: UInt16 = 1001
    public static let policy: UInt16 = 1008
    public static let tooBig: UInt16 = 1009
    public static let internalError: UInt16 = 1011
    public static let unauthorized: UInt16 = 4001
    public static let banned: UInt16 = 4003
    public static let rateLimitAbuse: UInt16 = 4008
    public static let slowConsumer: UInt16 = 4009
    public static let tokenExpired: UInt16 = 4010
}
