/// Headers on every HTTP response the transport or lws sends (also on 403/404/429/503 refusals,
/// because lws adds a vhost's header list inside `lws_add_http_header_status`).
enum SecurityHeaders {
    static func list(tls: Bool) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [
            ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"),
            ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
            ("Referrer-Policy", "no-referrer"),
            ("Cache-Control", "no-store"),
        ]
        if tls {
            headers.append(("Strict-Transport-Security", "max-age=31536000"))
        }
        return headers
    }
}
