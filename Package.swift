// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "realtime-server",
    platforms: [.macOS(.v15), .iOS(.v18)],
    products: [
        .executable(name: "realtime-server", targets: ["RealtimeServer"]),
        .executable(name: "rts-loadtest", targets: ["LoadTestCLI"]),
        .executable(name: "rts-bench-gamification", targets: ["GamificationBench"]),
        .executable(name: "moderator-bot", targets: ["ModeratorBot"]),
        // The Swift client for apps, services and bots (docs/protocol.md).
        .library(name: "RealtimeClient", targets: ["RealtimeClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.0.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.0.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "4.0.0"..<"6.0.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.1.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.21.0"),
        // An independent WebSocket client: the Swift client library is built on it, and tests use it
        // so that they never use the server's own transport code.
        .package(url: "https://github.com/hummingbird-project/swift-websocket.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.65.0"),
    ],
    targets: [
        // System libraries (Debian packages).
        .systemLibrary(name: "CLibWebSockets", pkgConfig: "libwebsockets", providers: [.apt(["libwebsockets-dev", "libev-dev"])]),
        .systemLibrary(name: "CHiredis", pkgConfig: "hiredis", providers: [.apt(["libhiredis-dev"])]),

        // An lws context on a libev loop, run one pass at a time (server and load generator).
        .target(
            name: "LWSEventLoop",
            dependencies: ["CLibWebSockets", .product(name: "Logging", package: "swift-log")]
        ),
        // A seeded generator for reproducible load-test traffic and fuzz runs.
        .target(name: "SeededRandom"),
        // Shared, immutable outbound frames and the sink protocol rooms push into.
        .target(name: "Outbound"),
        // The only code that touches libwebsockets.
        .target(
            name: "Transport",
            dependencies: [
                "CLibWebSockets", "LWSEventLoop", "Outbound",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // The cluster seam: events between nodes, and the broker protocol with its in-process default.
        .target(name: "Broker", dependencies: ["Outbound"]),
        // The Redis broker (pub/sub fan-out between nodes) and the cluster-wide rate limiter. The only code that touches hiredis.
        .target(
            name: "BrokerRedis",
            dependencies: [
                "Broker", "Outbound", "CHiredis",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // Protocol v1 JSON messages (client requests and server events).
        .target(name: "Wire", dependencies: ["Outbound"]),
        // One configuration value: file, then RTS_* environment overrides.
        .target(name: "Configuration", dependencies: ["Wire", .product(name: "Yams", package: "Yams")]),
        // Any JSON value, Sendable: token claims (Auth) and protocol frames (RealtimeClient).
        .target(name: "JSONValues"),
        // JWT verification and dev-token minting.
        .target(name: "Auth", dependencies: ["Wire", "JSONValues", .product(name: "JWTKit", package: "jwt-kit")]),
        // What the server persists: protocols and models only, no database library.
        .target(name: "Storage", dependencies: ["Wire", .product(name: "Crypto", package: "swift-crypto")]),
        // The single-node store: one SQLite file (GRDB). The only code that touches GRDB.
        .target(
            name: "StorageSQLite",
            dependencies: [
                "Storage", "Wire",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The cluster store: one PostgreSQL database shared by every node. The only code that touches PostgresNIO.
        .target(
            name: "StoragePostgres",
            dependencies: [
                "Storage", "Wire",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Opens the configured backend; the composition root's only view of concrete stores.
        .target(
            name: "StorageBackends",
            dependencies: ["Storage", "StorageSQLite", "StoragePostgres", "Configuration", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "Moderation",
            dependencies: ["Wire", .product(name: "Logging", package: "swift-log")]
        ),
        .target(name: "Presence", dependencies: ["Wire", "Outbound", "Broker"]),
        // What the message path reports (deliveries, reactions), for whoever consumes it.
        .target(name: "Activity", dependencies: ["Wire"]),
        // Points, streaks, achievements and leaderboards, fed by the message path.
        .target(
            name: "Gamification",
            dependencies: ["Wire", "Outbound", "Broker", "Storage", "Activity", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "Rooms",
            dependencies: [
                "Wire", "Outbound", "Broker", "Storage", "Moderation", "Presence", "Activity",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // Held messages, moderator bots' decisions, mutes and the audit trail.
        .target(
            name: "Review",
            dependencies: [
                "Wire", "Outbound", "Broker", "Storage", "Rooms", "Moderation",
                .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // Sessions (one connection's protocol state machine), rate limits, and the node that wires it all.
        .target(
            name: "Gateway",
            dependencies: [
                "Transport", "Wire", "Outbound", "Broker", "BrokerRedis", "Configuration", "Auth", "Storage", "StorageBackends", "Moderation", "Presence", "Rooms", "Gamification", "Review",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "RealtimeServer",
            dependencies: [
                "Gateway", "Configuration", "Auth", "Moderation", "Storage", "StorageBackends",
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // Load generator and capacity planner (issue: load-test harness). Its own client on libwebsockets.
        .target(
            name: "LoadTestKit",
            dependencies: [
                "CLibWebSockets", "LWSEventLoop", "SeededRandom",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            path: "loadtest/Sources/LoadTestKit"
        ),
        .executableTarget(
            name: "LoadTestCLI",
            dependencies: ["LoadTestKit", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "loadtest/Sources/LoadTestCLI"
        ),
        // On-demand benchmark of the gamification engine (issue: live gamification).
        .executableTarget(
            name: "GamificationBench",
            dependencies: ["Gamification", "Activity", "Broker", "Storage", "StorageSQLite", "Wire", "Outbound", .product(name: "Logging", package: "swift-log")],
            path: "loadtest/Sources/GamificationBench"
        ),
        // The Swift client library for apps, services and bots (docs/protocol.md).
        .target(
            name: "RealtimeClient",
            dependencies: [
                "JSONValues",
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Example: a moderator bot on the Swift client (`swift run moderator-bot --help`).
        .executableTarget(
            name: "ModeratorBot",
            dependencies: ["RealtimeClient", "JSONValues", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "examples/ModeratorBot"
        ),
        .testTarget(
            name: "LoadTestKitTests", dependencies: ["LoadTestKit", .product(name: "Crypto", package: "swift-crypto")],
            path: "loadtest/Tests/LoadTestKitTests"
        ),
        .testTarget(name: "GamificationTests", dependencies: ["Gamification", "Storage", "StorageSQLite", "Wire", "Outbound", "Broker"]),
        .testTarget(name: "ModerationTests", dependencies: ["Moderation", "Wire"]),
        .testTarget(name: "TransportTests", dependencies: ["Transport", "Outbound", .product(name: "WSClient", package: "swift-websocket")]),
        .testTarget(
            name: "StorageSQLiteTests",
            dependencies: ["Storage", "StorageSQLite", "Wire", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log")]
        ),
        // The store contract, run against both backends (PostgreSQL from RTS_TEST_DATABASE_URL).
        .testTarget(
            name: "StorageContractTests",
            dependencies: [
                "Storage", "StorageSQLite", "StoragePostgres", "Wire", .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(name: "AuthTests", dependencies: ["Auth"]),
        .testTarget(
            name: "BrokerRedisTests",
            dependencies: ["BrokerRedis", "Broker", "Outbound", "SeededRandom", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(name: "ConfigurationTests", dependencies: ["Configuration"]),
        .testTarget(name: "WireTests", dependencies: ["Wire", "Outbound"]),
        .testTarget(
            name: "ConformanceTests",
            dependencies: [
                "Gateway", "Configuration", "Auth", "Wire", "SeededRandom", "Storage", "StorageSQLite", "StorageBackends", "StoragePostgres", "Broker",
                "RealtimeClient", "JSONValues",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ]
)
