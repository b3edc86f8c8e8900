import SeededRandom

/// Who connects, which rooms exist, the setup each client performs (in phases, each phase
/// finished by everyone before the next starts), and who talks where once traffic runs.
struct Topology: Sendable {
    struct User: Sendable, Equatable {
        var id: String
        var role: String
    }

    var users: [User]
    var rooms: [EngineSetup.Room]
    var phases: [[Int: [ControlStep]]]
    var slots: [TrafficPlan.Slot]
    /// Clients a storm drops (publishers keep sending meanwhile).
    var stormClients: [Int]
    /// Deliveries per message implied by the rooms' sizes, weighted by how often each room talks.
    var deliveriesPerMessage: Double
}

/// Builds the topology of each scenario. Every client is a distinct user `u<i>` of one org;
/// group rooms are created by a mentor with `visibility:"org"` so members can join them.
enum TopologyBuilder {
    /// `count` authenticated users; with `join`, all in one room created by the first (a mentor).
    static func idle(count: Int, join: Bool, tag: String) -> Topology {
        let users = (0..<count).map { Topology.User(id: "u\($0)", role: $0 == 0 ? "mentor" : "student") }
        guard join, count > 0 else {
            return Topology(users: users, rooms: [], phases: [], slots: [], stormClients: [], deliveriesPerMessage: 0)
        }
        let room = EngineSetup.Room(id: "\(tag)-idle", kind: .group, title: "idle", members: [])
        let joins = Dictionary(uniqueKeysWithValues: (0..<count).map { ($0, [ControlStep.join(room: 0, readReceipts: false)]) })
        return Topology(users: users, rooms: [room], phases: [[0: [.createRoom(room: 0)]], joins], slots: [], stormClients: [], deliveriesPerMessage: Double(count))
    }

    /// `rooms` × `members`; member 0 of each room (a mentor) creates it; `publishers` spread
    /// round-robin over the rooms, each the next member of its room.
    static func fanout(rooms roomCount: Int, members: Int, publishers: Int, tag: String) -> Topology {
        var users: [Topology.User] = []
        var rooms: [EngineSetup.Room] = []
        var creates: [Int: [ControlStep]] = [:]
        var joins: [Int: [ControlStep]] = [:]
        for room in 0..<roomCount {
            rooms.append(EngineSetup.Room(id: "\(tag)-g\(room)", kind: .group, title: "fanout \(room)", members: []))
            for member in 0..<members {
                let client = room * members + member
                users.append(Topology.User(id: "u\(client)", role: member == 0 ? "mentor" : "student"))
                joins[client] = [.join(room: room, readReceipts: false)]
            }
            creates[room * members] = [.createRoom(room: room)]
        }
        var slots: [TrafficPlan.Slot] = []
        var publisherClients = Set<Int>()
        for publisher in 0..<publishers {
            let room = publisher % roomCount
            let member = (publisher / roomCount) % members
            let client = room * members + member
            slots.append(TrafficPlan.Slot(client: client, room: room))
            publisherClients.insert(client)
        }
        let storm = (0..<users.count).filter { !publisherClients.contains($0) }
        return Topology(users: users, rooms: rooms, phases: [creates, joins], slots: slots, stormClients: storm, deliveriesPerMessage: Double(members))
    }

    /// Mentors with their students, one direct room per pair (opened by the student, who may
    /// open one only with a mentor), plus group rooms of students and a mentor.
    static func mentoring(mentors: Int, studentsPerMentor: Int, groups: Int, groupSize: Int, tag: String) -> Topology {
        let studentCount = mentors * studentsPerMentor
        var users = (0..<mentors).map { Topology.User(id: "u\($0)", role: "mentor") }
        users += (0..<studentCount).map { Topology.User(id: "u\(mentors + $0)", role: "student") }

        var rooms: [EngineSetup.Room] = []
        var opens: [Int: [ControlStep]] = [:]
        var joins: [Int: [ControlStep]] = [:]
        var slots: [TrafficPlan.Slot] = []
        var weightedDeliveries = 0.0

        for student in 0..<studentCount {
            let mentor = student / studentsPerMentor
            let client = mentors + student
            let room = rooms.count
            // The id is the server's; learned from the student's `direct.open` reply.
            rooms.append(EngineSetup.Room(id: "", kind: .direct, title: "", members: []))
            opens[client] = [.openDirect(room: room, peer: users[mentor].id)]
            joins[client, default: []].append(.join(room: room, readReceipts: true))
            joins[mentor, default: []].append(.join(room: room, readReceipts: true))
            slots += [TrafficPlan.Slot(client: client, room: room), TrafficPlan.Slot(client: mentor, room: room)]
            weightedDeliveries += 2 * 2
        }

        var creates: [Int: [ControlStep]] = [:]
        let size = max(1, min(groupSize, studentCount + 1))
        for group in 0..<groups {
            let mentor = group % mentors
            let room = rooms.count
            let memberStudents = studentCount == 0 ? [] : (0..<(size - 1)).map { mentors + (group * (size - 1) + $0) % studentCount }
            let members = Array(Set(memberStudents)).sorted()
            rooms.append(EngineSetup.Room(id: "\(tag)-grp\(group)", kind: .group, title: "group \(group)", members: members.map { users[$0].id }))
            creates[mentor, default: []].append(.createRoom(room: room))
            for client in [mentor] + members {
                joins[client, default: []].append(.join(room: room, readReceipts: true))
                slots.append(TrafficPlan.Slot(client: client, room: room))
            }
            weightedDeliveries += Double(members.count + 1) * Double(members.count + 1)
        }
        let storm = (mentors..<users.count).map { $0 }
        let deliveries = slots.isEmpty ? 0 : weightedDeliveries / Double(slots.count)
        // Round-robin over a shuffled list: every stretch of traffic mixes direct and group rooms.
        var random = SplitMix64(seed: 42)
        slots.shuffle(using: &random)
        return Topology(users: users, rooms: rooms, phases: [creates, opens, joins], slots: slots, stormClients: storm, deliveriesPerMessage: deliveries)
    }
}
