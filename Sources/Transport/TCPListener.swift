import Glibc

/// The WebSocket port's listening socket, accepted on by the transport itself.
///
/// lws' own listener accepts the whole backlog in one go, and every accepted connection arms a
/// handshake timer that lws inserts into its sorted timer list by walking past every connection
/// still in its handshake: 5 000 clients reconnecting at once cost 15% of the server's CPU in
/// that walk. Accepting a bounded batch per loop pass (see `ServiceThread`) keeps the number of
/// handshakes in flight, and so the walk, short; lws takes over each socket from there.
final class TCPListener {
    let fd: Int32
    /// The bound port (the real one when 0 was asked for).
    let port: Int

    private init(fd: Int32, port: Int) {
        self.fd = fd
        self.port = port
    }

    /// Binds and listens on `host` (an IP literal, a host name, or empty / `0.0.0.0` / `*` for
    /// every IPv4 address, `::` for every address).
    static func open(host: String, port: Int) throws(TransportStartError) -> TCPListener {
        func failure(_ what: String) -> TransportStartError {
            TransportStartError(description: "cannot listen on \(host):\(port): \(what)")
        }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var node: String?
        switch host {
        case "", "0.0.0.0", "*":
            hints.ai_family = AF_INET
        case "::", "[::]":
            hints.ai_family = AF_INET6
        default:
            hints.ai_family = AF_UNSPEC
            node = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        }
        var found: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(node, String(port), &hints, &found)
        guard status == 0, let address = found else {
            throw failure(String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(found) }

        let fd = socket(address.pointee.ai_family, address.pointee.ai_socktype | Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw failure(String(cString: strerror(errno))) }
        var on: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0, listen(fd, SOMAXCONN) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw failure(reason)
        }
        return TCPListener(fd: fd, port: boundPort(fd))
    }

    private static func boundPort(_ fd: Int32) -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let family = storage.ss_family
        return withUnsafePointer(to: &storage) { pointer in
            if family == sa_family_t(AF_INET6) {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
    }

    /// Accepts up to `limit` waiting connections (non-blocking, Nagle off: frames are written
    /// whole) and hands each to `take`, which owns it from then on.
    func accept(upTo limit: Int, _ take: (Int32) -> Void) {
        for _ in 0..<limit {
            let connection = Glibc.accept(fd, nil, nil)
            guard connection >= 0 else { return }  // EAGAIN: the backlog is empty (or a transient error)
            _ = fcntl(connection, F_SETFL, fcntl(connection, F_GETFL) | O_NONBLOCK)
            _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
            var on: Int32 = 1
            _ = setsockopt(connection, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
            take(connection)
        }
    }

    func close() {
        Glibc.close(fd)
    }
}
