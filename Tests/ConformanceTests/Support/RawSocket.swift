import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A plain non-blocking TCP connection to 127.0.0.1 with async (polling) reads and writes.
/// Used where the test must control bytes exactly: HTTP status codes and headers, handshakes
/// the WebSocket library would not send, and a reader that stops reading.
final class RawSocket {
    private let fd: Int32
    /// Received bytes; those before `head` are consumed.
    private var pending: [UInt8] = []
    private var head = 0
    private var available: Int { pending.count - head }
    private(set) var reachedEOF = false
    /// The peer reset the connection (RST) instead of closing it cleanly.
    private(set) var wasReset = false
    private var closed = false

    /// `receiveBuffer` shrinks SO_RCVBUF before connecting (a slow reader fills up sooner).
    init(port: Int, receiveBuffer: Int? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ConformanceError("socket() failed: \(errno)") }
        if var size = receiveBuffer.map(Int32.init) {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let error = errno
            Glibc.close(fd)
            throw ConformanceError("connect to 127.0.0.1:\(port) failed: errno \(error)")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    deinit { close() }

    func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
    }

    func write(_ bytes: [UInt8], timeout: Duration = .seconds(5)) async throws {
        let deadline = ContinuousClock.now + timeout
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n > 0 {
                offset += n
            } else if n < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                guard ContinuousClock.now < deadline else { throw ConformanceError("raw write timed out") }
                try await Task.sleep(for: .milliseconds(5))
            } else {
                throw ConformanceError("raw write failed: errno \(errno)")
            }
        }
    }

    func write(_ text: String) async throws { try await write(Array(text.utf8)) }

    /// Moves whatever the kernel has into `pending`; false when nothing was there.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
        if n > 0 {
            pending.append(contentsOf: chunk[0..<n])
            return true
        }
        if n == 0 {
            reachedEOF = true
            return false
        }
        if errno == EAGAIN || errno == EWOULDBLOCK { return false }
        if errno == ECONNRESET {
            reachedEOF = true
            wasReset = true
            return false
        }
        throw ConformanceError("raw read failed: errno \(errno)")
    }

    /// Waits until `count` bytes are buffered; nil when the peer closed first.
    func read(exactly count: Int, timeout: Duration = .seconds(3)) async throws -> [UInt8]? {
        let deadline = ContinuousClock.now + timeout
        while available < count {
            if try fill() { continue }
            if reachedEOF { return nil }
            guard ContinuousClock.now < deadline else { throw ConformanceError("raw read timed out (\(available)/\(count) bytes)") }
            try await Task.sleep(for: .milliseconds(2))
        }
        return consume(count)
    }

    private func consume(_ count: Int) -> [UInt8] {
        let bytes = Array(pending[head..<(head + count)])
        head += count
        if head > 1 << 20 || head == pending.count {
            pending.removeFirst(head)
            head = 0
        }
        return bytes
    }

    /// Reads through `delimiter` (included); nil when the peer closed first.
    func read(through delimiter: [UInt8], timeout: Duration = .seconds(3)) async throws -> [UInt8]? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let range = pending[head...].firstRange(of: delimiter) {
                return consume(range.upperBound - head)
            }
            if try fill() { continue }
            if reachedEOF { return nil }
            guard ContinuousClock.now < deadline else { throw ConformanceError("raw read timed out waiting for delimiter") }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    /// Everything until the peer closes.
    func readToEnd(timeout: Duration = .seconds(3)) async throws -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        while !reachedEOF {
            if try fill() { continue }
            if reachedEOF { break }
            guard ContinuousClock.now < deadline else { throw ConformanceError("raw read: peer did not close") }
            try await Task.sleep(for: .milliseconds(2))
        }
        return consume(available)
    }
}

// MARK: HTTP

struct HTTPResult: Sendable {
    var status: Int
    /// Lower-cased names.
    var headers: [String: String]
    var body: String
}

enum RawHTTP {
    /// Reads a status line and headers.
    static func readHead(_ socket: RawSocket, timeout: Duration = .seconds(3)) async throws -> (status: Int, headers: [String: String]) {
        guard let head = try await socket.read(through: Array("\r\n\r\n".utf8), timeout: timeout) else {
            throw ConformanceError("connection closed before an HTTP response")
        }
        let lines = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw ConformanceError("bad status line: \(lines[0])") }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name] = headers[name].map { "\($0), \(value)" } ?? value
        }
        return (status, headers)
    }

    static func get(port: Int, path: String, headers extra: [(String, String)] = []) async throws -> HTTPResult {
        try await request(port: port, method: "GET", path: path, headers: extra)
    }

    /// One request on its own connection; a body is sent with its Content-Length. Exchanges on
    /// `/v1/` paths are recorded for the OpenAPI check (`HTTPLog`).
    static func request(
        port: Int, method: String, path: String, headers extra: [(String, String)] = [], body: String? = nil
    ) async throws -> HTTPResult {
        let socket = try RawSocket(port: port)
        defer { socket.close() }
        var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in extra { request += "\(name): \(value)\r\n" }
        if let body { request += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n" }
        request += "\r\n" + (body ?? "")
        try await socket.write(request)
        let (status, headers) = try await readHead(socket)
        let result = HTTPResult(status: status, headers: headers, body: String(decoding: try await readBody(socket, status: status, headers: headers), as: UTF8.self))
        HTTPLog.record(method: method, path: path, result: result)
        return result
    }

    private static func readBody(_ socket: RawSocket, status: Int, headers: [String: String]) async throws -> [UInt8] {
        if status == 204 { return [] }
        var body: [UInt8]
        if let length = headers["content-length"].flatMap({ Int($0) }) {
            body = try await socket.read(exactly: length) ?? []
        } else if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            body = []
            while let sizeLine = try await socket.read(through: Array("\r\n".utf8)) {
                let hex = String(decoding: sizeLine.dropLast(2), as: UTF8.self).split(separator: ";").first ?? "0"
                let size = Int(hex.trimmingCharacters(in: .whitespaces), radix: 16) ?? 0
                if size == 0 { break }
                body += try await socket.read(exactly: size) ?? []
                _ = try await socket.read(exactly: 2)
            }
        } else {
            body = try await socket.readToEnd()
        }
        return body
    }
}

// MARK: WebSocket by hand

/// A hand-rolled RFC 6455 client: handshake with exact headers, masked frames out, frames in.
final class RawWebSocket {
    struct Frame {
        var fin: Bool
        var opcode: UInt8
        var payload: [UInt8]
        var text: String { String(decoding: payload, as: UTF8.self) }
        /// For close frames.
        var closeCode: UInt16? { opcode == 8 && payload.count >= 2 ? UInt16(payload[0]) << 8 | UInt16(payload[1]) : nil }
    }

    let socket: RawSocket
    let status: Int
    let headers: [String: String]
    private let path: String

    private init(socket: RawSocket, status: Int, headers: [String: String], path: String) {
        self.socket = socket
        self.status = status
        self.headers = headers
        self.path = path
    }

    /// Sends an upgrade request for `path` with `headers` added; returns once the response head arrived.
    /// `status` is 101 when upgraded.
    static func connect(
        port: Int, path: String = "/ws", headers extra: [(String, String)] = [], receiveBuffer: Int? = nil
    ) async throws -> RawWebSocket {
        let socket = try RawSocket(port: port, receiveBuffer: receiveBuffer)
        let key = Data((0..<16).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n"
        for (name, value) in extra { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        try await socket.write(request)
        let (status, headers) = try await RawHTTP.readHead(socket)
        return RawWebSocket(socket: socket, status: status, headers: headers, path: path)
    }

    func send(opcode: UInt8, payload: [UInt8], fin: Bool = true) async throws {
        var frame: [UInt8] = [(fin ? 0x80 : 0) | opcode]
        let count = payload.count
        if count < 126 {
            frame.append(0x80 | UInt8(count))
        } else if count <= 0xFFFF {
            frame.append(0x80 | 126)
            frame += [UInt8(count >> 8), UInt8(count & 0xFF)]
        } else {
            frame.append(0x80 | 127)
            frame += (0..<8).reversed().map { UInt8((UInt64(count) >> (UInt64($0) * 8)) & 0xFF) }
        }
        let mask = (0..<4).map { _ in UInt8.random(in: 0...255) }
        frame += mask
        frame += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        try await socket.write(frame)
    }

    func send(text: String) async throws { try await send(opcode: 1, payload: Array(text.utf8)) }
    func send(json object: [String: Any]) async throws { try await send(text: jsonText(object)) }

    /// The next frame; nil when the connection ended without one.
    func readFrame(timeout: Duration = .seconds(3)) async throws -> Frame? {
        guard let head = try await socket.read(exactly: 2, timeout: timeout) else { return nil }
        var length = UInt64(head[1] & 0x7F)
        if length == 126 {
            guard let ext = try await socket.read(exactly: 2, timeout: timeout) else { return nil }
            length = UInt64(ext[0]) << 8 | UInt64(ext[1])
        } else if length == 127 {
            guard let ext = try await socket.read(exactly: 8, timeout: timeout) else { return nil }
            length = ext.reduce(0) { $0 << 8 | UInt64($1) }
        }
        var mask: [UInt8]? = nil
        if head[1] & 0x80 != 0 { mask = try await socket.read(exactly: 4, timeout: timeout) }
        guard var payload = try await socket.read(exactly: Int(length), timeout: timeout) else { return nil }
        if let mask { payload = payload.enumerated().map { $0.element ^ mask[$0.offset % 4] } }
        let frame = Frame(fin: head[0] & 0x80 != 0, opcode: head[0] & 0x0F, payload: payload)
        if frame.opcode == 1 && frame.fin { FrameLog.record(frame.text, path: path) }
        return frame
    }

    /// The next text frame as JSON, answering pings on the way; nil at a close frame or end.
    func readJSON(timeout: Duration = .seconds(3)) async throws -> JSON? {
        while let frame = try await readFrame(timeout: timeout) {
            switch frame.opcode {
            case 1: return JSON.parse(frame.text)
            case 9: try await send(opcode: 10, payload: frame.payload)
            case 8:
                lastClose = frame
                return nil
            default: continue
            }
        }
        return nil
    }

    /// The next whole data message (continuations joined), answering pings; nil at a close frame or end.
    func readMessage(timeout: Duration = .seconds(3)) async throws -> Frame? {
        var message: Frame? = nil
        while let frame = try await readFrame(timeout: timeout) {
            switch frame.opcode {
            case 9: try await send(opcode: 10, payload: frame.payload)
            case 10: continue
            case 8:
                lastClose = frame
                return nil
            case 0: message?.payload += frame.payload
            default: message = frame
            }
            if frame.fin && frame.opcode <= 2, var whole = message {
                whole.fin = true
                return whole
            }
        }
        return nil
    }

    /// The close frame seen by `readJSON`, if any.
    var lastClose: Frame?

    func close() { socket.close() }
}
