/// Headers on every HTTP response the transport or lws sends (also on 403/404/429/503 refusals,
/// because lws adds a vhost's header list inside `lws_add_http_header_status`).
enum SecurityHeaders {
    static func list(tls: Bool) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [
            ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"),
            ("Referrer-Policy", "no-referrer"),
            ("Cache-Control", "no-store"),
        ]
        if tls {
            headers.append(("Strict-Transport-Security", "max-age=31536000"))
        }
        return headers
    }

    /// Not in the vhost list: browsers enforce every policy they get, so a response that brings its
    /// own (the web app's) must not also carry this one. `HTTPResponder` adds it otherwise.
    static let contentSecurityPolicyName = "Content-Security-Policy"
    static let contentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'"
}
