import Wire

/// Who reads what a member writes in a room, for the moderator: signals weigh differently from an adult
/// to a student in private than in a group.
public enum RoomAudience: Sendable, Equatable {
    case group
    /// A 1:1 room: the other member, and their role when the server has seen them (nil otherwise).
    case direct(peer: String, peerRole: Role?)
}
