import Auth
import Gamification
import Logging
import Moderation
import Presence
import Review
import Rooms
import Storage
import Wire

/// What every session shares: built once by the node and handed to each new session.
struct SessionServices: Sendable {
    var settings: GatewaySettings
    var nodeID: String
    var verifier: TokenVerifier
    var store: any ChatStore
    var signIns: SignInRecorder
    var rooms: RoomRegistry
    var presence: PresenceTracker
    var typing: TypingTracker
    var moderation: ModerationGate
    var gamification: GamificationEngine
    var review: ReviewDesk
    var mutes: MuteList
    var bans: UserBans
    var kicks: RoomKicks
    var sessions: SessionRegistry
    var limits: UserRateLimits
    var security: SecurityEvents
    var clock: any WallClock
    var logger: Logger
    var metrics: GatewayMetrics
}
