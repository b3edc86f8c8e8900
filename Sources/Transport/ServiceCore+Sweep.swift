import CLibWebSockets

/// Connection deadlines, close timeouts and heartbeats, checked by one periodic sweep (service thread).
///
/// lws keeps its timers in one sorted linked list and inserts by walking it from the head.
/// Per-connection lws timers (a deadline each, a close timeout, and lws' ping/hang-up "validity"
/// timer, re-armed on every PONG) put thousands of entries in that list, and a reconnect storm
/// spent a fifth of the server's CPU walking it. (An immediate kill is due now, so lws inserts
/// it at the head.) One sweep over the open connections costs a few microseconds
/// per thousand connections instead.
extension ServiceCore {
    /// How often the sweep runs: deadlines, pings and hang-ups happen up to this late.
    static let sweepInterval: Duration = .milliseconds(100)

    var heartbeat: Duration { .milliseconds(max(1, settings.heartbeatMS)) }

    /// PROTOCOL.md: pings every `heartbeat_ms`; a connection silent for 2.5× that is closed.
    var hangupAfter: Duration { heartbeat * 5 / 2 }

    func sweep() {
        let now = ContinuousClock.now
        // Instants, not durations, per connection: the comparison is all the loop does.
        let silentBefore = now - hangupAfter
        let heartbeat = heartbeat
        for connection in registry.values {
            guard let wsi = connection.wsi else { continue }
            if let deadline = connection.armedDeadline, deadline.at <= now {
                deadlinePassed(connection)
            }
            let closeGaveUp = connection.closeDeadline.map { $0 <= now } ?? false
            if closeGaveUp || connection.lastHeard <= silentBefore {
                // A close that waited too long for WRITEABLE, or a silent (dead) peer: drop the
                // TCP connection without a close handshake.
                lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC)
            } else if connection.nextPing <= now {
                connection.nextPing = now + heartbeat
                connection.pingDue = true
                lws_callback_on_writable(wsi)
            }
        }
    }
}
