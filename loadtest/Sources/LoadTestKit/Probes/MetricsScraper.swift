import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Fetches the server's Prometheus text over a plain blocking socket (run off the service
/// thread, with a short timeout) and keeps the `rts_`/`process_` samples.
enum MetricsScraper {
    static func scrape(url: String, timeoutSeconds: Int = 2) -> [String: Double]? {
        guard let components = URLComponents(string: url), components.scheme == "http", let host = components.host else { return nil }
        let port = components.port ?? 80
        let path = components.path.isEmpty ? "/metrics" : components.path
        guard let endpoint = try? ServerEndpoint(url: "ws://\(host):\(port)/"), let address = try? endpoint.resolvedAddress(),
              let body = get(address: address, port: port, host: host, path: path, timeoutSeconds: timeoutSeconds)
        else { return nil }
        return parse(body)
    }

    /// `name{labels} value` lines of interest; labels stay part of the key.
    static func parse(_ text: String) -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard line.hasPrefix("rts_") || line.hasPrefix("process_") else { continue }
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space])] = value
        }
        return samples
    }

    private static func get(address: String, port: Int, host: String, path: String, timeoutSeconds: Int) -> String? {
        let ipv6 = address.contains(":")
        let fd = socket(ipv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected: Int32
        if ipv6 {
            var peer = sockaddr_in6()
            peer.sin6_family = sa_family_t(AF_INET6)
            peer.sin6_port = in_port_t(UInt16(port).bigEndian)
            guard inet_pton(AF_INET6, address, &peer.sin6_addr) == 1 else { return nil }
            connected = withUnsafePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            var peer = sockaddr_in()
            peer.sin_family = sa_family_t(AF_INET)
            peer.sin_port = in_port_t(UInt16(port).bigEndian)
            guard inet_pton(AF_INET, address, &peer.sin_addr) == 1 else { return nil }
            connected = withUnsafePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        guard connected == 0 else { return nil }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == request.count else { return nil }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            response.append(contentsOf: chunk[0..<count])
            if response.count > 16 << 20 { break }
        }
        let text = String(decoding: response, as: UTF8.self)
        guard text.hasPrefix("HTTP/1.1 200") || text.hasPrefix("HTTP/1.0 200"), let bodyStart = text.range(of: "\r\n\r\n") else { return nil }
        let body = String(text[bodyStart.upperBound...])
        return text.lowercased().contains("transfer-encoding: chunked") ? dechunk(body) : body
    }

    /// Joins the chunks of a chunked body (byte-wise: "\r\n" is one Character in Swift).
    static func dechunk(_ body: String) -> String {
        let bytes = Array(body.utf8)
        var result: [UInt8] = []
        var position = 0
        while position < bytes.count {
            guard let lineEnd = (position..<bytes.count - 1).first(where: { bytes[$0] == 13 && bytes[$0 + 1] == 10 }) else { break }
            let sizeText = String(decoding: bytes[position..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size > 0 else { break }
            let start = lineEnd + 2
            guard start + size <= bytes.count else { break }
            result += bytes[start..<start + size]
            position = start + size + 2
        }
        return String(decoding: result, as: UTF8.self)
    }
}
