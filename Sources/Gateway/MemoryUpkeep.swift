import Gamification
import Metrics
import Presence
import Review
import Rooms
import Wire

/// Sweeps the in-memory maps whose entries can outlive their use (ended mutes, refilled rate
/// buckets) and publishes every per-user and per-room map's size as `rts_tracked_entries{map=…}`,
/// so growth over days shows on a dashboard instead of as an OOM.
struct MemoryUpkeep: Sendable {
    let presence: PresenceTracker
    let typing: TypingTracker
    let sessions: SessionRegistry
    let mutes: MuteList
    let sendLimiter: KeyedRateLimiter
    let rooms: RoomRegistry
    let gamification: GamificationEngine
    let clock: any WallClock

    private static func gauge(_ map: String) -> Gauge {
        Gauge(label: "rts_tracked_entries", dimensions: [("map", map)])
    }

    private let presenceGauge = gauge("presence")
    private let typingGauge = gauge("typing")
    private let sessionsGauge = gauge("session_users")
    private let mutesGauge = gauge("mutes")
    private let sendBucketsGauge = gauge("send_buckets")
    private let roomsGauge = gauge("rooms")
    private let orgsGauge = gauge("gamification_orgs")
    private let boardsGauge = gauge("leaderboards")

    init(
        presence: PresenceTracker, typing: TypingTracker, sessions: SessionRegistry, mutes: MuteList, sendLimiter: KeyedRateLimiter,
        rooms: RoomRegistry, gamification: GamificationEngine, clock: any WallClock
    ) {
        self.presence = presence
        self.typing = typing
        self.sessions = sessions
        self.mutes = mutes
        self.sendLimiter = sendLimiter
        self.rooms = rooms
        self.gamification = gamification
        self.clock = clock
    }

    /// One pass: sweep, then measure. Cheap (a few dictionary scans); run every few seconds.
    func run() async {
        mutes.sweep(now: clock.nowMS())
        sendLimiter.sweep()
        presenceGauge.record(await presence.trackedUsers)
        typingGauge.record(await typing.trackedCount)
        sessionsGauge.record(sessions.userCount)
        mutesGauge.record(mutes.count)
        sendBucketsGauge.record(sendLimiter.count)
        roomsGauge.record(await rooms.loadedCount)
        orgsGauge.record(await gamification.loadedOrgCount)
        boardsGauge.record(await gamification.loadedBoardCount)
    }
}
