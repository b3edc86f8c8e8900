/// Where a Redis server is: `redis://[[user]:password@]host[:port][/db]`.
///
/// After connecting, a connection sends `AUTH` when a password is given (with the user name
/// for Redis 6 ACLs when one is) and `SELECT` when `db` is not 0.
public struct RedisURL: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String?
    public var password: String?
    public var db: Int

    public init(host: String, port: Int = 6379, user: String? = nil, password: String? = nil, db: Int = 0) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.db = db
    }

    /// Parses `redis://[[user]:password@]host[:port][/db]`; IPv6 hosts in brackets (`redis://[::1]:6379`).
    public init(parsing text: String) throws(RedisError) {
        let prefix = "redis://"
        guard text.hasPrefix(prefix) else { throw .invalidURL("\(text): expected redis://host:port") }
        var rest = Substring(text.dropFirst(prefix.count))
        var user: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                let name = credentials[..<colon]
                user = name.isEmpty ? nil : String(name)
                password = String(credentials[credentials.index(after: colon)...])
            } else {
                password = String(credentials)
            }
            guard let pw = password, !pw.isEmpty else { throw .invalidURL("\(prefix)…: empty password") }
            password = Self.percentDecoded(pw)
        }
        var db = 0
        if let slash = rest.firstIndex(of: "/") {
            let dbText = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
            if !dbText.isEmpty {
                guard let number = Int(dbText), number >= 0 else { throw .invalidURL("\(text): database must be a number") }
                db = number
            }
        }
        var host: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw .invalidURL("\(text): unclosed [ in host") }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty {
                throw .invalidURL("\(text): unexpected text after host")
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        guard !host.isEmpty else { throw .invalidURL("\(text): missing host") }
        var port = 6379
        if let portText {
            guard let number = Int(portText), (1...65535).contains(number) else { throw .invalidURL("\(text): port must be 1-65535") }
            port = number
        }
        self.init(host: String(host), port: port, user: user, password: password, db: db)
    }

    /// `host:port`, what error messages and logs name (never the password).
    public var endpoint: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    public var description: String { "redis://\(password == nil ? "" : "***@")\(endpoint)\(db == 0 ? "" : "/\(db)")" }

    private static func percentDecoded(_ text: String) -> String {
        guard text.contains("%") else { return text }
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
               let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
