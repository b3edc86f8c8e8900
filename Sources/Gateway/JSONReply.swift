import Foundation
import Transport
import Wire

/// JSON answers of the `/v1/…` HTTP endpoints, and the error body they share:
/// `{"code","message"}` with the WebSocket protocol's error codes.
enum JSONReply {
    static func json(status: Int, _ body: some Encodable) -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        let bytes = (try? encoder.encode(body)).map { Array($0) } ?? Array(#"{"code":"internal","message":"encoding failed"}"#.utf8)
        return HTTPResponse(status: status, contentType: "application/json", body: bytes)
    }

    static let noContent = HTTPResponse(status: 204, contentType: "application/json", body: [])

    /// The error body with the status its code maps to, or `status` when given (405).
    static func error(_ error: RequestError, status: Int? = nil, headers: [(name: String, value: String)] = []) -> HTTPResponse {
        var response = json(
            status: status ?? Self.status(error.code),
            ErrorBody(code: error.code, message: error.message, retryAfterMS: error.retryAfterMS, reason: error.reason))
        response.headers = headers
        return response
    }

    /// The `/v1/*` per-IP rate limit's answer: 429 with `Retry-After` (seconds) and the exact wait in ms.
    static func rateLimited(retryAfterMS: Int) -> HTTPResponse {
        error(
            RequestError(.rateLimited, "too many requests from this address", retryAfterMS: retryAfterMS),
            headers: [("Retry-After", String((retryAfterMS + 999) / 1000))])
    }

    /// The query string's parameters (the last of a repeated name wins).
    static func parameters(_ query: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            if let key = parts.first { result[key] = parts.count > 1 ? parts[1] : "" }
        }
        return result
    }

    static func methodNotAllowed(_ method: HTTPMethod, allowed: [HTTPMethod]) -> HTTPResponse {
        error(
            RequestError(.badRequest, "\(method.rawValue) is not served here"), status: 405,
            headers: [("Allow", allowed.map(\.rawValue).joined(separator: ", "))])
    }

    private struct ErrorBody: Encodable {
        var code: ErrorCode
        var message: String
        var retryAfterMS: Int?
        var reason: String?

        enum CodingKeys: String, CodingKey {
            case code, message, reason
            case retryAfterMS = "retry_after_ms"
        }
    }

    private static func status(_ code: ErrorCode) -> Int {
        switch code {
        case .badRequest: 400
        case .unauthorized: 401
        case .forbidden: 403
        case .notFound: 404
        case .conflict: 409
        case .tooLarge: 413
        case .messageBlocked: 422
        case .rateLimited: 429
        case .unavailable: 503
        default: 500
        }
    }
}
