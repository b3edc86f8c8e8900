import CLibWebSockets

/// Writes one complete HTTP/1.1 response (status line, headers, body) with a single `lws_write`.
/// lws keeps whatever the socket does not take at once and sends it before anything else,
/// so a response never needs a second callback. (HTTP/2 is not offered, see `LWSContextConfig`.)
enum HTTPResponder {
    /// Room for the status line, the vhost's security headers and ours.
    private static let headerRoom = 2048

    static func send(
        _ wsi: OpaquePointer, status: Int, contentType: String, body: [UInt8], extraHeaders: [(String, String)] = []
    ) -> Bool {
        let pre = Int(rts_lws_pre())
        let capacity = pre + headerRoom + body.count
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        let start = buffer + pre
        let end = start + headerRoom
        var cursor: UnsafeMutablePointer<UInt8>? = start

        // lws adds the vhost header list (SecurityHeaders) right after the status line.
        guard lws_add_http_header_status(wsi, UInt32(status), &cursor, end) == 0 else { return false }
        // 204 No Content carries neither a body nor its headers (RFC 9110 §8.6).
        if status != 204 {
            guard add(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE, contentType, &cursor, end),
                add(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, String(body.count), &cursor, end)
            else { return false }
        }
        var headers = extraHeaders
        if !headers.contains(where: { $0.0.caseInsensitiveCompare(SecurityHeaders.contentSecurityPolicyName) == .orderedSame }) {
            headers.append((SecurityHeaders.contentSecurityPolicyName, SecurityHeaders.contentSecurityPolicy))
        }
        for (name, value) in headers {
            guard addNamed(wsi, name + ":", value, &cursor, end) else { return false }
        }
        guard lws_finalize_http_header(wsi, &cursor, end) == 0, var tail = cursor else { return false }
        body.withUnsafeBufferPointer { bytes in
            if let source = bytes.baseAddress {
                tail.update(from: source, count: bytes.count)
                tail += bytes.count
            }
        }
        let total = tail - start
        return lws_write(wsi, start, total, LWS_WRITE_HTTP) == Int32(total)
    }

    static func send(_ wsi: OpaquePointer, _ response: HTTPResponse) -> Bool {
        send(
            wsi, status: response.status, contentType: response.contentType, body: response.body,
            extraHeaders: response.headers.map { ($0.name, $0.value) })
    }

    static func sendText(_ wsi: OpaquePointer, status: Int, _ text: String, extraHeaders: [(String, String)] = []) -> Bool {
        send(
            wsi, status: status, contentType: "text/plain; charset=utf-8", body: Array((text + "\n").utf8),
            extraHeaders: extraHeaders)
    }

    private static func add(
        _ wsi: OpaquePointer, _ token: lws_token_indexes, _ value: String,
        _ cursor: inout UnsafeMutablePointer<UInt8>?, _ end: UnsafeMutablePointer<UInt8>
    ) -> Bool {
        let bytes = Array(value.utf8)
        return lws_add_http_header_by_token(wsi, token, bytes, Int32(bytes.count), &cursor, end) == 0
    }

    private static func addNamed(
        _ wsi: OpaquePointer, _ name: String, _ value: String,
        _ cursor: inout UnsafeMutablePointer<UInt8>?, _ end: UnsafeMutablePointer<UInt8>
    ) -> Bool {
        // lws reads the name up to its NUL terminator.
        let cName = Array(name.utf8) + [0]
        let bytes = Array(value.utf8)
        return lws_add_http_header_by_name(wsi, cName, bytes, Int32(bytes.count), &cursor, end) == 0
    }
}
