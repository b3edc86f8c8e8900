/// What the engine knows of one room: its id bytes (to match pushes), the highest seq any
/// ack or push showed (the loss reference), and how many clients are joined now.
struct RoomState {
    var id: String {
        didSet { idBytes = Array(id.utf8) }
    }
    private(set) var idBytes: [UInt8]
    let kind: EngineSetup.Room.Kind
    let title: String
    let members: [String]
    var maxAckedSeq: Int64 = 0
    var maxSeenSeq: Int64 = 0
    var subscribers = 0
    /// Id of the latest acked message, when reactions are part of the traffic.
    var lastMsgID: String?

    init(_ room: EngineSetup.Room) {
        id = room.id
        idBytes = Array(room.id.utf8)
        kind = room.kind
        title = room.title
        members = room.members
    }

    var highestSeq: Int64 { max(maxAckedSeq, maxSeenSeq) }
}
