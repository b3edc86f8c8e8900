/// Decides whether a WebSocket upgrade request is accepted, before lws answers it.
/// Pure: the service thread feeds it the request's headers and state.
struct HandshakePolicy: Sendable {
    static let subprotocol = "rts.v1"

    enum Decision: Equatable {
        case accept(Endpoint)
        case refuse(status: Int, reason: String)
    }

    private let allowedOrigins: Set<String>
    private let conformanceEcho: Bool

    init(allowedOrigins: [String], conformanceEcho: Bool) {
        self.allowedOrigins = Set(allowedOrigins.map(Self.normalizedOrigin))
        self.conformanceEcho = conformanceEcho
    }

    /// The WebSocket endpoint served at `path`, if any.
    func endpoint(forPath path: String) -> Endpoint? {
        switch path {
        case "/ws": return .app
        case "/echo" where conformanceEcho: return .echo
        default: return nil
        }
    }

    /// - Parameters:
    ///   - offeredProtocols: the raw `Sec-WebSocket-Protocol` value(s), "" when absent.
    ///   - origin: the `Origin` header, nil when absent (non-browser clients send none;
    ///     the check protects browsers against cross-site WebSocket hijacking).
    func decide(path: String, accepting: Bool, offeredProtocols: String, origin: String?) -> Decision {
        guard let endpoint = endpoint(forPath: path) else {
            return .refuse(status: 404, reason: "not_found")
        }
        guard accepting else {
            return .refuse(status: 503, reason: "draining")
        }
        let offered = offeredProtocols.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
        if !offered.isEmpty && !offered.contains(Self.subprotocol) {
            return .refuse(status: 403, reason: "subprotocol")
        }
        // The echo endpoint is for conformance suites only: no origin or admission policy.
        if endpoint == .app, !allowedOrigins.isEmpty, let origin,
            !allowedOrigins.contains(Self.normalizedOrigin(origin))
        {
            return .refuse(status: 403, reason: "origin")
        }
        return .accept(endpoint)
    }

    private static func normalizedOrigin(_ origin: String) -> String {
        var value = origin.trimmingWhitespace().lowercased()
        while value.hasSuffix("/") { value.removeLast() }
        return value
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
