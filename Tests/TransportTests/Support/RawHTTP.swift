import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A minimal blocking HTTP/1.1 client over a plain socket, so tests see exact status lines and
/// headers (including refused WebSocket handshakes, which WebSocket clients only report as errors).
struct RawHTTPResponse {
    var status: Int
    /// Lower-cased header names; repeated headers joined with ", ".
    var headers: [String: String]
    var body: String
}

enum RawHTTPError: Error {
    case connect(Int32)
    case malformed(String)
}

enum RawHTTP {
    /// A valid WebSocket handshake request for `/ws`.
    static let upgradeRequest = Array(
        "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
            .utf8)

    /// A blocking TCP connection to 127.0.0.1:`port`; the caller closes it.
    static func connectLoopback(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawHTTPError.connect(errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let error = errno
            close(fd)
            throw RawHTTPError.connect(error)
        }
        return fd
    }

    /// Sends `bytes` whole (loopback, small writes), never raising SIGPIPE.
    static func write(_ fd: Int32, _ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Sends `request` verbatim and reads the response: headers, then `Content-Length` bytes of body
    /// (none for 101). Gives up after `timeout` seconds.
    static func exchange(port: Int, request: String, timeout: Int = 5) throws -> RawHTTPResponse {
        let fd = try connectLoopback(port: port)
        defer { close(fd) }
        return try exchange(fd: fd, request: request, timeout: timeout)
    }

    /// `exchange` on a connection the caller owns (and may keep open, e.g. after a 101).
    static func exchange(fd: Int32, request: String, timeout: Int = 5) throws -> RawHTTPResponse {
        var tv = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        write(fd, Array(request.utf8))

        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var headerEnd: Int?
        var expectedBody = 0
        var head: (status: Int, headers: [String: String])?
        while true {
            if let end = headerEnd, data.count - end >= expectedBody { break }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            data.append(contentsOf: buffer[0..<n])
            if headerEnd == nil, let end = findHeaderEnd(data) {
                headerEnd = end
                let parsed = try parseHead(Array(data[0..<end]))
                head = parsed
                expectedBody = parsed.status == 101 ? 0 : Int(parsed.headers["content-length"] ?? "0") ?? 0
            }
        }
        guard let head, let headerEnd else {
            throw RawHTTPError.malformed(String(decoding: data, as: UTF8.self))
        }
        return RawHTTPResponse(
            status: head.status, headers: head.headers,
            body: String(decoding: data[headerEnd...].prefix(expectedBody), as: UTF8.self))
    }

    static func get(port: Int, path: String, headers: [String: String] = [:], method: String = "GET") throws
        -> RawHTTPResponse
    {
        var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        if method != "GET" { request += "Content-Length: 0\r\n" }
        request += "\r\n"
        return try exchange(port: port, request: request)
    }

    /// A WebSocket upgrade request; returns the handshake response (101 or a refusal).
    static func upgrade(port: Int, path: String = "/ws", headers: [String: String] = [:]) throws -> RawHTTPResponse {
        try exchange(port: port, request: upgradeRequest(port: port, path: path, headers: headers))
    }

    /// `upgrade`, keeping the connection open: the caller closes `fd`.
    static func openUpgrade(port: Int, headers: [String: String] = [:]) throws -> (fd: Int32, response: RawHTTPResponse) {
        let fd = try connectLoopback(port: port)
        do {
            return (fd, try exchange(fd: fd, request: upgradeRequest(port: port, path: "/ws", headers: headers)))
        } catch {
            close(fd)
            throw error
        }
    }

    private static func upgradeRequest(port: Int, path: String, headers: [String: String]) -> String {
        var request = """
            GET \(path) HTTP/1.1\r
            Host: 127.0.0.1:\(port)\r
            Upgrade: websocket\r
            Connection: Upgrade\r
            Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r
            Sec-WebSocket-Version: 13\r

            """
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        return request + "\r\n"
    }

    private static func findHeaderEnd(_ data: [UInt8]) -> Int? {
        guard data.count >= 4 else { return nil }
        for i in 0...(data.count - 4) where data[i] == 13 && data[i + 1] == 10 && data[i + 2] == 13 && data[i + 3] == 10 {
            return i + 4
        }
        return nil
    }

    private static func parseHead(_ bytes: [UInt8]) throws -> (status: Int, headers: [String: String]) {
        let text = String(decoding: bytes, as: UTF8.self)
        var lines = text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        guard !lines.isEmpty else { throw RawHTTPError.malformed(text) }
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw RawHTTPError.malformed(text) }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name] = headers[name].map { "\($0), \(value)" } ?? value
        }
        return (status, headers)
    }
}
