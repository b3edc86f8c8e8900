import Wire

/// The role table of PROTOCOL.md (Tenancy and roles), in one place.
public enum RoomPolicy {
    public static func canCreateGroup(_ role: Role) -> Bool {
        role == .admin || role == .mentor
    }

    /// Admins and mentors open direct rooms with anyone; students only with a mentor or admin; guests never.
    public static func canOpenDirect(_ opener: Role, with other: Role) -> Bool {
        switch opener {
        case .admin, .mentor: return true
        case .student: return other == .mentor || other == .admin
        case .guest: return false
        }
    }

    public static func canJoin(_ principal: Principal, _ room: RoomInfo) -> Bool {
        if principal.role == .admin { return room.kind == .group || room.members.contains(principal.user) }
        if room.members.contains(principal.user) { return true }
        return room.kind == .group && room.visibility == .org
    }

    /// Guests are read-only everywhere: no send, react, typing or read.
    public static func canWrite(_ role: Role) -> Bool {
        role != .guest
    }

    /// Edit or delete anyone's message, kick: admins, and mentors in rooms they created.
    public static func canModerate(_ principal: Principal, _ room: RoomInfo) -> Bool {
        principal.role == .admin || (principal.role == .mentor && room.createdBy == principal.user)
    }
}
