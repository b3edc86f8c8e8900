import CLibWebSockets

/// Reads request facts from an lws connection (service thread only, while its headers are attached).
enum LWSRequest {
    /// A known header; repeated headers are joined with ",". nil when absent.
    static func header(_ wsi: OpaquePointer, _ token: lws_token_indexes) -> String? {
        let length = Int(lws_hdr_total_length(wsi, token))
        guard length > 0 else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer -> String? in
            guard let base = buffer.baseAddress else { return nil }
            let copied = Int(lws_hdr_copy(wsi, base, Int32(length + 1), token))
            guard copied >= 0 else { return nil }
            return string(base, count: min(copied, length))
        }
    }

    /// The query string as lws parsed it: its `&`-separated parts, each URL-decoded by lws, joined by `&`.
    static func query(_ wsi: OpaquePointer) -> String {
        let length = Int(lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_URI_ARGS))
        guard length > 0 else { return "" }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer -> String in
            guard let base = buffer.baseAddress else { return "" }
            var parts: [String] = []
            var index: Int32 = 0
            while true {
                let copied = Int(lws_hdr_copy_fragment(wsi, base, Int32(length + 1), WSI_TOKEN_HTTP_URI_ARGS, index))
                guard copied >= 0 else { break }
                parts.append(string(base, count: copied))
                index += 1
            }
            return parts.joined(separator: "&")
        }
    }

    /// The request's method, or nil for one the transport does not pass on (HEAD, OPTIONS, …).
    static func method(_ wsi: OpaquePointer) -> HTTPMethod? {
        // lws keeps the URI under a token named for the method.
        let tokens: [(lws_token_indexes, HTTPMethod)] = [
            (WSI_TOKEN_GET_URI, .get), (WSI_TOKEN_POST_URI, .post), (WSI_TOKEN_PUT_URI, .put),
            (WSI_TOKEN_PATCH_URI, .patch), (WSI_TOKEN_DELETE_URI, .delete),
        ]
        return tokens.first { lws_hdr_total_length(wsi, $0.0) > 0 }?.1
    }

    /// How the request's body arrives.
    enum BodyFraming: Equatable {
        case none
        case length(Int)
        /// `Transfer-Encoding` (chunked) or an unreadable `Content-Length`: refused with 411.
        case unsupported
    }

    static func bodyFraming(_ wsi: OpaquePointer) -> BodyFraming {
        if header(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) != nil { return .unsupported }
        guard let text = header(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) else { return .none }
        guard let length = Int(text.filter { $0 != " " && $0 != "\t" }), length >= 0 else { return .unsupported }
        return length == 0 ? .none : .length(length)
    }

    /// The peer's IP as text; IPv4-mapped IPv6 addresses are shown as plain IPv4.
    static func peerAddress(_ wsi: OpaquePointer) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        let address = buffer.withUnsafeMutableBufferPointer { pointer -> String in
            guard let base = pointer.baseAddress, lws_get_peer_simple(wsi, base, pointer.count) != nil else {
                return ""
            }
            return String(cString: base)
        }
        let mapped = "::ffff:"
        if address.hasPrefix(mapped), address.contains(".") {
            return String(address.dropFirst(mapped.count))
        }
        return address
    }

    static func string(_ base: UnsafePointer<CChar>, count: Int) -> String {
        base.withMemoryRebound(to: UInt8.self, capacity: count) {
            String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self)
        }
    }
}
