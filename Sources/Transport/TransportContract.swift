import Outbound

/// What the transport needs to know to listen. Built by the composition root from the app config.
public struct TransportSettings: Sendable {
    public var host: String
    /// 0 picks a free port; read the bound port from `TransportServer.port` after `start()`.
    public var port: Int
    /// Largest reassembled WebSocket message on `/ws`; larger closes with 1009.
    public var maxFrameBytes: Int
    /// A connection whose unsent bytes exceed this is closed with 4009 (queue dropped).
    public var maxOutboundBytes: Int
    /// WebSocket ping interval; a connection silent for 2.5x this is hung up.
    public var heartbeatMS: Int
    /// Allowed `Origin` values for `/ws`; empty means any.
    public var allowedOrigins: [String]
    /// PEM files; both set means wss/https.
    public var tlsCertPath: String?
    public var tlsKeyPath: String?
    /// Serve the plain `/echo` endpoint (no auth, messages up to 16 MiB) for conformance suites.
    public var conformanceEcho: Bool
    /// When set, `/metrics` is served on this port (on `metricsHost`) instead of the main one.
    public var metricsPort: Int?
    /// The address the metrics port binds.
    public var metricsHost: String
    /// Peers whose `X-Forwarded-For` names the client (see `ClientAddress`).
    public var trustedProxies: [IPNetwork]
    /// Open `/ws` connections allowed per client address; more are refused with HTTP 429.
    public var maxConnectionsPerIP: Int

    public init(
        host: String = "127.0.0.1", port: Int = 8080, maxFrameBytes: Int = 65536, maxOutboundBytes: Int = 1 << 20,
        heartbeatMS: Int = 25000, allowedOrigins: [String] = [], tlsCertPath: String? = nil, tlsKeyPath: String? = nil,
        conformanceEcho: Bool = false, metricsPort: Int? = nil, metricsHost: String = "127.0.0.1",
        trustedProxies: [IPNetwork] = [], maxConnectionsPerIP: Int = .max
    ) {
        self.host = host
        self.port = port
        self.maxFrameBytes = maxFrameBytes
        self.maxOutboundBytes = maxOutboundBytes
        self.heartbeatMS = heartbeatMS
        self.allowedOrigins = allowedOrigins
        self.tlsCertPath = tlsCertPath
        self.tlsKeyPath = tlsKeyPath
        self.conformanceEcho = conformanceEcho
        self.metricsPort = metricsPort
        self.metricsHost = metricsHost
        self.trustedProxies = trustedProxies
        self.maxConnectionsPerIP = maxConnectionsPerIP
    }
}

/// A plain HTTP response produced by the application for a GET on the main (or metrics) port.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]
    /// Headers beyond the content type and length (e.g. `Retry-After`).
    public var headers: [(name: String, value: String)]

    public init(status: Int, contentType: String = "text/plain; charset=utf-8", body: [UInt8], headers: [(name: String, value: String)] = []) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.headers = headers
    }

    public init(status: Int, text: String, headers: [(name: String, value: String)] = []) {
        self.init(status: status, body: Array(text.utf8), headers: headers)
    }
}

/// Whether the transport keeps reading a connection after handing the delegate a message.
public enum InboundFlow: Sendable {
    case proceed
    case pause
}

/// The application side of the transport. Every method is called on the transport's
/// single service thread: it must return quickly and never block or await.
public protocol TransportDelegate: AnyObject, Sendable {
    /// A WebSocket handshake on `/ws` from `remoteAddress` (the client behind a trusted proxy, else the
    /// TCP peer); return false to refuse it with HTTP 429 (per-IP connection rate limit).
    func admitConnection(remoteAddress: String) -> Bool
    /// A `/ws` connection completed its handshake.
    func connectionOpened(_ connection: Connection)
    /// One whole (reassembled) message arrived on a `/ws` connection. The bytes are a copy the delegate owns.
    /// Return `.pause` when the delegate's inbox for this connection is full: the transport stops reading
    /// the socket (TCP pushes back on the peer) until the delegate calls `Connection.resumeReading()`.
    func connection(_ connection: Connection, received message: [UInt8], isBinary: Bool) -> InboundFlow
    /// A `/ws` connection is gone (closed by either side or dropped). Called exactly once per opened connection.
    func connectionClosed(_ connection: Connection)
    /// A deadline set with `Connection.setDeadline` passed; the transport closes the connection
    /// with the code and reason given there right after this call.
    func connectionDeadlinePassed(_ connection: Connection)
    /// An HTTP GET for `path` (no query string); `query` is the raw query string or "".
    /// `headers` holds `authorization` when present. Return nil for 404.
    func httpGet(path: String, query: String, authorization: String?) -> HTTPResponse?
    /// An HTTP request the application answers off the transport thread (token checks, storage
    /// reads and writes): return the work, which the transport runs in a task and writes back when
    /// done. Called once the whole body has arrived. nil lets `httpGet` answer a GET; any other
    /// method then gets 405.
    func deferredHTTP(_ request: HTTPRequest) -> (@Sendable () async -> HTTPResponse)?
}

extension TransportDelegate {
    public func deferredHTTP(_ request: HTTPRequest) -> (@Sendable () async -> HTTPResponse)? { nil }
}

/// The HTTP methods the transport passes on; others are answered 405 before the application sees them.
public enum HTTPMethod: String, Sendable, CaseIterable {
    case get = "GET"
    case post = "POST"
    case put = "PUT"
    case patch = "PATCH"
    case delete = "DELETE"
}

/// A whole HTTP request on the main port, for `TransportDelegate.deferredHTTP`.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    /// The path without the query string.
    public var path: String
    /// The query string as lws decoded it (parts joined by `&`), or "".
    public var query: String
    public var authorization: String?
    /// The client's address as for `admitConnection`.
    public var remoteAddress: String
    /// At most `HTTPRequest.maxBodyBytes`; larger bodies are refused with 413 before the application sees them.
    public var body: [UInt8]

    /// Admin and dashboard requests are small JSON documents.
    public static let maxBodyBytes = 64 << 10

    public init(method: HTTPMethod, path: String, query: String = "", authorization: String? = nil, remoteAddress: String = "", body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.authorization = authorization
        self.remoteAddress = remoteAddress
        self.body = body
    }
}
