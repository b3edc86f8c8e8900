import Transport
import Wire

/// The transport's delegate: one `Session` per connection, HTTP endpoints for everything else.
/// Every method runs on the transport thread, so each only queues work and returns.
final class SessionGateway: TransportDelegate {
    private let services: SessionServices
    private let connectLimiter: KeyedRateLimiter
    /// `/v1/*` requests per client address.
    private let httpLimiter: KeyedRateLimiter
    private let http: HTTPEndpoints
    private let dashboard: DashboardAPI
    private let admin: AdminAPI
    private let devTokens: DevTokens?

    init(services: SessionServices, http: HTTPEndpoints, dashboard: DashboardAPI, admin: AdminAPI, devTokens: DevTokens?) {
        self.services = services
        self.http = http
        self.dashboard = dashboard
        self.admin = admin
        self.devTokens = devTokens
        connectLimiter = KeyedRateLimiter(
            rate: services.settings.connRatePerIP, burst: services.settings.connBurstPerIP, clock: services.clock)
        httpLimiter = KeyedRateLimiter(
            rate: services.settings.httpRatePerIP, burst: services.settings.httpBurstPerIP, clock: services.clock)
    }

    func admitConnection(remoteAddress: String) -> Bool {
        connectLimiter.take(remoteAddress) == nil
    }

    func connectionOpened(_ connection: Connection) {
        connection.context = Session(connection: connection, services: services)
        connection.setDeadline(afterMS: services.settings.authTimeoutMS, closeCode: CloseCode.unauthorized, reason: "auth timeout")
    }

    func connection(_ connection: Connection, received message: [UInt8], isBinary: Bool) -> InboundFlow {
        (connection.context as? Session)?.received(message, isBinary: isBinary) ?? .proceed
    }

    func connectionClosed(_ connection: Connection) {
        (connection.context as? Session)?.closed()
        connection.context = nil
    }

    func connectionDeadlinePassed(_ connection: Connection) {
        // The transport closes it with the deadline's code; the close event cleans the session up.
    }

    func httpGet(path: String, query: String, authorization: String?) -> HTTPResponse? {
        http.respond(path: path)
    }

    func deferredHTTP(_ request: HTTPRequest) -> (@Sendable () async -> HTTPResponse)? {
        let devTokens = request.path == DevTokens.path ? devTokens : nil
        let isAdmin = request.path.hasPrefix(AdminAPI.prefix)
        guard isAdmin || DashboardAPI.paths.contains(request.path) || devTokens != nil else { return nil }
        // Before any token check: verifying signatures and reading the store are what a flood would cost.
        if let waitMS = httpLimiter.take(request.remoteAddress) {
            let refusal = JSONReply.rateLimited(retryAfterMS: waitMS)
            return { refusal }
        }
        if let devTokens {
            guard request.method == .get else {
                let refusal = JSONReply.methodNotAllowed(request.method, allowed: [.get])
                return { refusal }
            }
            return { await devTokens.respond(query: request.query) }
        }
        if isAdmin {
            let admin = admin
            return { await admin.respond(request) }
        }
        let dashboard = dashboard
        return { await dashboard.respond(request) }
    }
}
