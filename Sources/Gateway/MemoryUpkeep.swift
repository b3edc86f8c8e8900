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
    let limits: UserRateLimits
    let rooms: RoomRegistry
    let gamification: GamificationEngine
    let clock: any WallClock

    let gauges = Gauges()

    struct Gauges {
        let presence = gauge("presence")
        let typing = gauge("typing")
        let sessions = gauge("session_users")
        let mutes = gauge("mutes")
        let userBuckets = gauge("user_buckets")
        let rooms = gauge("rooms")
        let orgs = gauge("gamification_orgs")
        let boards = gauge("leaderboards")

        static func gauge(_ map: String) -> Gauge {
            Gauge(label: "rts_tracked_entries", dimensions: [("map", map)])
        }
    }

    /// One pass: sweep, then measure. Cheap (a few dictionary scans); run every few seconds.
    func run() async {
        mutes.sweep(now: clock.nowMS())
        limits.sweep()
        gauges.presence.record(await presence.trackedUsers)
        gauges.typing.record(await typing.trackedCount)
        gauges.sessions.record(sessions.userCount)
        gauges.mutes.record(mutes.count)
        gauges.userBuckets.record(limits.count)
        gauges.rooms.record(await rooms.loadedCount)
        gauges.orgs.record(await gamification.loadedOrgCount)
        gauges.boards.record(await gamification.loadedBoardCount)
    }
}
