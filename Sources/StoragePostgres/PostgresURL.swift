import Foundation
import PostgresNIO

/// What a `postgres://` (or `postgresql://`) URL names: `postgres://user:pass@host:port/db?sslmode=disable`.
///
/// `sslmode` follows libpq: `disable`; `prefer` (the default) and `require` encrypt without checking
/// the certificate; `verify-ca` checks the chain; `verify-full` also the host name.
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    public enum SSLMode: String, Sendable, Equatable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String?
    public var sslMode: SSLMode

    public init(host: String, port: Int = 5432, user: String, password: String? = nil, database: String? = nil, sslMode: SSLMode = .prefer) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.sslMode = sslMode
    }

    /// Parses the URL; the error never repeats the password.
    public init(_ string: String) throws {
        guard let components = URLComponents(string: string), let scheme = components.scheme?.lowercased(),
              scheme == "postgres" || scheme == "postgresql"
        else {
            throw PostgresStoreError.invalidURL("expected postgres://user:password@host:port/database")
        }
        guard var host = components.host, !host.isEmpty else {
            throw PostgresStoreError.invalidURL("the URL names no host")
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.host = host
        self.port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw PostgresStoreError.invalidURL("port \(port) is out of range") }
        self.user = components.user.flatMap { $0.isEmpty ? nil : $0 } ?? "postgres"
        self.password = components.password
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.database = path.isEmpty ? nil : path
        var mode = SSLMode.prefer
        for item in components.queryItems ?? [] where item.name == "sslmode" {
            guard let value = item.value, let parsed = SSLMode(rawValue: value) else {
                throw PostgresStoreError.invalidURL("unknown sslmode '\(item.value ?? "")'")
            }
            mode = parsed
        }
        self.sslMode = mode
    }

    /// `host:port`, for messages (never the credentials).
    public var endpoint: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// The same server, another database (tests and tools create and drop databases).
    public func with(database: String?) -> PostgresURL {
        var copy = self
        copy.database = database
        return copy
    }

    /// The URL again, password included (for handing to a child process or a config).
    public var urlString: String {
        var components = URLComponents()
        components.scheme = "postgres"
        components.host = host.contains(":") ? "[\(host)]" : host
        components.port = port
        components.user = user
        components.password = password
        components.path = "/" + (database ?? "")
        components.queryItems = [URLQueryItem(name: "sslmode", value: sslMode.rawValue)]
        return components.string ?? "postgres://\(endpoint)/\(database ?? "")"
    }

    /// Without the password.
    public var description: String { "postgres://\(user)@\(endpoint)/\(database ?? "")" }

    var clientConfiguration: PostgresClient.Configuration {
        PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
    }

    /// For one direct connection (the reachability probe and database administration).
    func connectionConfiguration(connectTimeout: TimeAmount) throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch sslMode {
        case .disable: tls = .disable
        case .allow, .prefer: tls = .prefer(try NIOSSLContext(configuration: Self.tlsConfiguration(.none)))
        case .require: tls = .require(try NIOSSLContext(configuration: Self.tlsConfiguration(.none)))
        case .verifyCA: tls = .require(try NIOSSLContext(configuration: Self.tlsConfiguration(.noHostnameVerification)))
        case .verifyFull: tls = .require(try NIOSSLContext(configuration: Self.tlsConfiguration(.fullVerification)))
        }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = connectTimeout
        return configuration
    }

    private var tls: PostgresClient.Configuration.TLS {
        switch sslMode {
        case .disable: return .disable
        case .allow, .prefer: return .prefer(Self.tlsConfiguration(.none))
        case .require: return .require(Self.tlsConfiguration(.none))
        case .verifyCA: return .require(Self.tlsConfiguration(.noHostnameVerification))
        case .verifyFull: return .require(Self.tlsConfiguration(.fullVerification))
        }
    }

    private static func tlsConfiguration(_ verification: CertificateVerification) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = verification
        return configuration
    }
}

/// Failures of the PostgreSQL store itself (errors PostgreSQL reports pass through as `PSQLError`).
public enum PostgresStoreError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// The `database_url` cannot be used; the detail never contains the password.
    case invalidURL(String)
    /// No connection within the connect deadline.
    case unreachable(endpoint: String, database: String, reason: String)
    /// The store was closed.
    case closed
    /// An operation did not finish in time (health checks).
    case timedOut(String)

    public var description: String {
        switch self {
        case let .invalidURL(detail):
            return "invalid database_url: \(detail)"
        case let .unreachable(endpoint, database, reason):
            return "the PostgreSQL database '\(database)' at \(endpoint) is unreachable: \(reason)"
        case .closed:
            return "the PostgreSQL store is closed"
        case let .timedOut(what):
            return "PostgreSQL did not answer in time: \(what)"
        }
    }

    public var errorDescription: String? { description }
}
