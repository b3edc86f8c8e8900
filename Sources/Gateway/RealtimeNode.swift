import Auth
import Broker
import BrokerRedis
import Configuration
import Foundation
import Gamification
import Logging
import Moderation
import Presence
import Review
import Rooms
import ServiceLifecycle
import Storage
import StorageBackends
import Transport
import Wire

/// The composition root: builds storage, rooms, presence, sessions and the transport from one
/// configuration, starts them, and shuts them down in order.
public final class RealtimeNode: Sendable {
    private let config: ServerConfig
    private let logger: Logger
    private let store: any ServerStore
    private let broker: any ClusterBroker
    private let sharedRateLimits: RedisRateLimiter?
    private let cluster: ClusterLink
    private let rooms: RoomRegistry
    private let presence: PresenceTracker
    private let typing: TypingTracker
    private let gamification: GamificationEngine
    private let review: ReviewDesk
    /// The screening pipeline when moderation is configured (reloadable).
    private let pipeline: ModerationPipeline?
    private let transport: TransportServer
    private let http: HTTPEndpoints
    private let background = BackgroundTasks()
    private let memory: MemoryUpkeep
    private let retention: RetentionJob

    /// Opens the configured store and broker, then builds the node on them. `broker` replaces the
    /// configured one (several nodes in one process share an `InProcessHub`).
    public static func open(
        config: ServerConfig, logger: Logger, clock: any WallClock = SystemClock(), broker: (any ClusterBroker)? = nil
    ) async throws -> RealtimeNode {
        let backend = try ClusterBackend(config, logger: logger)
        let store = try await StorageBackend.open(config, logger: logger)
        return try RealtimeNode(
            config: config, store: store, broker: broker ?? backend.broker, sharedRateLimits: backend.rateLimiter, logger: logger, clock: clock)
    }

    public init(
        config: ServerConfig, store: any ServerStore, broker: any ClusterBroker, sharedRateLimits: RedisRateLimiter? = nil, logger: Logger,
        clock: any WallClock = SystemClock()
    ) throws {
        self.sharedRateLimits = sharedRateLimits
        self.config = config
        self.logger = logger
        let publicKey = try config.jwtPublicKeyFile.map { try String(contentsOfFile: $0, encoding: .utf8) }
        let verifier = try TokenVerifier(
            hmacSecret: config.jwtSecret, publicKeyPEM: publicKey,
            rules: TokenRules(issuer: config.jwtIssuer, audience: config.jwtAudience, maxLifetime: Double(config.maxTokenLifetimeS)))
        let trustedProxies = try config.trustedProxies.map { entry throws(ConfigError) in
            guard let network = IPNetwork(entry) else {
                throw ConfigError(key: "trusted_proxies", "trusted_proxies entry \"\(entry)\" is not an IP address or CIDR block")
            }
            return network
        }
        self.store = store
        self.broker = broker
        let sessions = SessionRegistry()
        let notifier = ClusterNotifier(sessions: sessions, broker: broker)
        guard let orgZone = TimeZone(identifier: config.orgTimezone) else {
            throw ConfigError(key: "org_timezone", "unknown time zone '\(config.orgTimezone)'")
        }
        gamification = GamificationEngine(
            store: store, broker: broker,
            settings: GamificationSettings(dailyMessagePoints: config.dailyMessagePoints, orgTimeZone: orgZone, sharedStore: broker.isClustered),
            clock: clock, notifier: notifier, logger: logger)

        presence = PresenceTracker(graceMS: config.presenceGraceMS, clock: clock, broker: broker)
        typing = TypingTracker(timeoutMS: config.typingTimeoutMS, dedupMS: config.typingDedupMS, clock: clock)
        rooms = RoomRegistry(
            store: store, audit: AuditTrail(store: store, logger: logger), broker: broker, presence: presence, activity: gamification,
            settings: RoomSettings(
                recoveryMax: config.recoveryMax, idempotencyWindowMS: Int64(config.idempotencyWindowMS),
                replyByteBudget: config.maxOutboundBytes / 2),
            clock: clock, logger: logger)
        http = HTTPEndpoints(registry: MetricsBootstrap.registry, webApp: config.webApp ? WebApp(directory: config.webDir, logger: logger) : nil)
        let moderator: any MessageModerator
        if config.moderationDir.isEmpty {
            moderator = PassThroughModerator()
            pipeline = nil
        } else {
            let loaded = try ModerationPipeline(directory: config.moderationDir, logger: logger)
            moderator = loaded
            pipeline = loaded
        }
        let mutes = MuteList()
        let limits = UserRateLimits(config, clock: clock, shared: sharedRateLimits)
        memory = MemoryUpkeep(
            presence: presence, typing: typing, sessions: sessions, mutes: mutes, limits: limits, rooms: rooms,
            gamification: gamification, clock: clock)
        retention = RetentionJob(
            store: store, defaults: config.defaultRetention, overrides: try config.retentionOverridesByOrg(), clock: clock, logger: logger)
        review = ReviewDesk(
            store: store, broker: broker, rooms: rooms, notifier: notifier, mutes: mutes,
            policy: ReviewPolicy(
                reviewTimeoutMS: Int64(config.reviewTimeoutMS), holdDefault: config.holdDefault == .approve ? .approve : .reject,
                idempotencyWindowMS: Int64(config.idempotencyWindowMS)),
            clock: clock, logger: logger)

        let moderation = ModerationGate(moderator: moderator, review: review, maxText: config.maxText, clock: clock)
        let kicks = RoomKicks(rooms: rooms, typing: typing)
        let bans = UserBans(store: store, sessions: sessions, broker: broker, review: review, clock: clock, logger: logger)
        let security = SecurityEvents(audit: AuditTrail(store: store, logger: logger), clock: clock, logger: logger)
        let authenticator = APIAuthenticator(verifier: verifier, store: store, clock: clock, security: security)
        let sessionQueries = SessionQueries(broker: broker)
        let userSessions = UserSessions(
            store: store, sessions: sessions, presence: presence, broker: broker, queries: sessionQueries, review: review, clock: clock,
            logger: logger)
        let services = SessionServices(
            settings: GatewaySettings(config), nodeID: config.nodeID, verifier: verifier, store: store,
            signIns: SignInRecorder(store: store), rooms: rooms,
            presence: presence, typing: typing,
            moderation: moderation,
            gamification: gamification, review: review, mutes: mutes,
            bans: bans, kicks: kicks, sessions: sessions,
            limits: limits, security: security,
            clock: clock, logger: logger, metrics: GatewayMetrics())
        transport = TransportServer(
            settings: TransportSettings(
                host: config.host, port: config.port, maxFrameBytes: config.maxFrameBytes, maxOutboundBytes: config.maxOutboundBytes,
                heartbeatMS: config.heartbeatMS, allowedOrigins: config.allowedOrigins, tlsCertPath: config.tlsCert,
                tlsKeyPath: config.tlsKey, conformanceEcho: config.conformanceEcho, metricsPort: config.metricsPort,
                metricsHost: config.metricsHost, trustedProxies: trustedProxies, maxConnectionsPerIP: config.maxConnectionsPerIP),
            delegate: SessionGateway(
                services: services, http: http,
                dashboard: DashboardAPI(authenticator: authenticator, gamification: gamification, rooms: rooms, audit: store),
                admin: AdminAPI(
                    authenticator: authenticator, store: store, bans: bans, review: review, moderation: moderation, rooms: rooms, kicks: kicks,
                    userSessions: userSessions,
                    erasure: UserErasure(
                        store: store, userSessions: userSessions, rooms: rooms, gamification: gamification, review: review, clock: clock,
                        logger: logger),
                    presence: presence, clock: clock, logger: logger),
                devTokens: config.webApp && config.jwtSecret == ServerConfig.developmentSecret
                    ? DevTokens(minter: try TokenMinter(hmacSecret: config.jwtSecret)) : nil),
            logger: logger)
        cluster = ClusterLink(
            broker: broker, rooms: rooms, presence: presence, sessions: sessions, mutes: mutes, review: review,
            gamification: gamification, sessionQueries: sessionQueries, clock: clock, logger: logger)
    }

    /// The bound port (useful with port 0).
    public var port: Int { transport.port }

    /// Opens the listener and starts background upkeep. Logs one line containing `listening` and the port.
    public func start() async throws {
        await presence.attach(rooms)
        await typing.attach(rooms)
        let gamification = gamification
        background.run { await gamification.run() }
        try await review.start()
        try await broker.start(receiver: cluster)
        sharedRateLimits?.start()
        let cluster = cluster
        background.run { await cluster.run() }
        try transport.start()
        await Self.checkReadiness(store: store, broker: broker, http: http, logger: logger)
        startUpkeep()
        logger.info("listening on \(config.host):\(transport.port)", metadata: ["tls": "\(config.tlsCert != nil)"])
    }

    /// Re-reads the moderation rules and lists (SIGHUP). On a bad file the old rules stay in force.
    public func reloadModeration() {
        guard let pipeline else { return }
        do {
            try pipeline.reload()
        } catch {
            logger.error("moderation reload failed; keeping the previous rules", metadata: ["error": "\(error)"])
        }
    }

    /// Graceful shutdown within one deadline (`shutdown_grace_ms`): refuse new connections, close
    /// sessions with 1001 after flushing their output, finish every queued write to storage, then
    /// release it. The transport may use all but a fifth of the grace (at most 2 s kept back), so
    /// storage always gets time; whatever is still running at the deadline is logged and abandoned
    /// (sends not yet stored were never acknowledged).
    public func shutdown() async {
        let deadline = Deadline(afterMS: config.shutdownGraceMS)
        let storageReserveMS = min(2000, config.shutdownGraceMS / 5)
        http.readiness.stop()
        transport.stopAccepting()
        await transport.shutdown(
            closeCode: CloseCode.goingAway, reason: "server shutting down", graceMS: deadline.remainingMS - storageReserveMS)
        let (rooms, gamification, background, store, logger, broker, cluster, sharedRateLimits) =
            (rooms, gamification, background, store, logger, broker, cluster, sharedRateLimits)
        let drained = await deadline.run {
            await rooms.drain()
            gamification.finish()
            cluster.stop()
            await background.stop()
            await broker.stop()
            await sharedRateLimits?.stop()
            do {
                try await store.close()
            } catch {
                logger.error("closing storage failed", metadata: ["error": "\(error)"])
            }
        }
        if drained {
            logger.info("stopped")
        } else {
            logger.error("shutdown grace passed before storage finished; stopping anyway", metadata: ["grace_ms": "\(config.shutdownGraceMS)"])
        }
    }

    /// Ready while the store answers and, in a cluster, the broker is connected.
    private static func checkReadiness(store: any ServerStore, broker: any ClusterBroker, http: HTTPEndpoints, logger: Logger) async {
        let state = Readiness.State(storeHealthy: await store.isHealthy(), brokerConnected: broker.isClustered ? broker.isConnected : nil)
        http.readiness.update(state, logger: logger)
    }

    private func startUpkeep() {
        let http = http
        let store = store
        let rooms = rooms
        let idempotencyWindow = Int64(config.idempotencyWindowMS)
        let logger = logger
        let memory = memory
        let broker = broker
        background.every(.seconds(1)) {
            await Self.checkReadiness(store: store, broker: broker, http: http, logger: logger)
        }
        background.every(.seconds(30)) {
            await rooms.unloadIdleRooms()
        }
        background.every(.seconds(5)) {
            await memory.run()
        }
        let retention = retention
        if retention.isNeeded {
            background.every(.seconds(config.retentionIntervalS)) { await retention.run() }
        }
        background.every(.seconds(600)) {
            do {
                let now = SystemClock().nowMS()
                _ = try await store.purgeIdempotencyKeys(before: now - idempotencyWindow)
                // Expired bans no longer count anywhere; this only keeps the table small.
                _ = try await store.purgeExpiredBans(now: now)
            } catch {
                logger.warning("purging idempotency keys or expired bans failed", metadata: ["error": "\(error)"])
            }
        }
    }
}

extension RealtimeNode: Service {
    /// Runs until a graceful shutdown (SIGTERM/SIGINT through ServiceGroup) or cancellation.
    public func run() async throws {
        try await start()
        try? await gracefulShutdown()
        await shutdown()
    }
}

extension GatewaySettings {
    init(_ config: ServerConfig) {
        self.init()
        authTimeoutMS = config.authTimeoutMS
        heartbeatMS = config.heartbeatMS
        maxText = config.maxText
        maxFrameBytes = config.maxFrameBytes
        sendRate = config.sendRate
        sendBurst = Double(config.sendBurst)
        frameRate = config.frameRate
        frameBurst = Double(config.frameBurst)
        connRatePerIP = config.connRatePerIP
        connBurstPerIP = Double(config.connBurstPerIP)
        rateLimitedCloseThreshold = config.rateLimitedCloseThreshold
        maxSessionsPerUser = config.maxSessionsPerUser
        replyByteBudget = config.maxOutboundBytes / 2
        httpRatePerIP = config.httpRatePerIP
        httpBurstPerIP = Double(config.httpBurstPerIP)
    }
}
