import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One node's WebSocket address, parsed from `ws://host:port/path` (or `wss://`).
public struct ServerEndpoint: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var path: String
    public var tls: Bool

    public init(url: String) throws(SettingsError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              scheme == "ws" || scheme == "wss", let host = components.host, !host.isEmpty
        else { throw SettingsError("'\(url)' is not a ws:// or wss:// URL") }
        tls = scheme == "wss"
        self.host = host
        port = components.port ?? (tls ? 443 : 80)
        path = components.path.isEmpty ? "/ws" : components.path
        if let query = components.percentEncodedQuery { path += "?" + query }
    }

    /// `host:port` for the Host and Origin headers.
    public var authority: String { "\(host):\(port)" }

    /// Where the node's Prometheus text lives (same port by default).
    public var metricsURL: String { "http://\(host):\(port)/metrics" }

    /// The numeric address to dial. Resolved once, off the service thread, because
    /// lws would otherwise resolve names synchronously inside every connect.
    public func resolvedAddress() throws(SettingsError) -> String {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let first = result else {
            throw SettingsError("cannot resolve \(host)")
        }
        defer { freeaddrinfo(result) }
        var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        guard getnameinfo(first.pointee.ai_addr, first.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 else {
            throw SettingsError("cannot resolve \(host)")
        }
        let length = buffer.firstIndex(of: 0) ?? buffer.count
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// True when the node runs on this machine, so its /proc can be read.
    public var isLocal: Bool {
        ["127.0.0.1", "localhost", "::1", "0.0.0.0"].contains(host) || host.hasPrefix("127.")
    }
}
