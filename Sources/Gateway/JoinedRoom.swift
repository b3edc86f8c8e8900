import Rooms

/// A room this session joined, and who reads what its user writes there (for the moderator).
struct JoinedRoom {
    let room: Room
    let audience: RoomAudience
}
