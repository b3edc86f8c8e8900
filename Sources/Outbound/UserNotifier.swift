/// Pushes a frame to every session of one user (streaks, achievements, moderation outcomes).
public protocol UserNotifier: Sendable {
    func notify(org: String, user: String, frame: SharedFrame)
}
