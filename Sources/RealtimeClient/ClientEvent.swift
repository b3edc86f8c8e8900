import JSONValues

/// What a `RealtimeClient` reports on `events`: pushes from the server, by kind, and its own
/// connection changes. Payloads are the server's frames (docs/protocol.md has every field).
public enum ClientEvent: Sendable {
    /// A message of a joined room, each seq exactly once and in order, across reconnects.
    case message(room: String, message: JSONValue)
    case messageEdited(JSONValue)
    case messageDeleted(JSONValue)
    case reaction(JSONValue)
    case read(JSONValue)
    case typing(JSONValue)
    case presence(JSONValue)
    case leaderboard(JSONValue)
    case streak(JSONValue)
    case achievement(JSONValue)
    /// The author's held message was decided (`action`, `reason`).
    case moderation(JSONValue)
    /// A held message for a moderator bot to decide.
    case review(JSONValue)
    case kicked(JSONValue)
    /// Authenticated: the `hello` frame (after every reconnect too).
    case connected(hello: JSONValue)
    /// The connection ended; the client reconnects unless the close says not to (`stopped` follows then).
    case disconnected(code: UInt16?, reason: String?)
    case reconnecting(attempt: Int, after: Duration)
    /// Rejoining after a reconnect could not recover every missed message of the room (too many,
    /// or the room's history was reset): the missed ones that follow are the latest; load older
    /// ones with `history`.
    case gap(room: String)
    /// The client gave up (banned, token refused twice, or `close()`).
    case stopped(RealtimeError)
}
