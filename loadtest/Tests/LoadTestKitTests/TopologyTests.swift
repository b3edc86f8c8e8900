import XCTest
@testable import LoadTestKit

final class TopologyTests: XCTestCase {
    func testFanoutRoomsMembersPublishers() {
        let topology = TopologyBuilder.fanout(rooms: 2, members: 5, publishers: 4, tag: "t")
        XCTAssertEqual(topology.users.count, 10)
        XCTAssertEqual(Set(topology.users.map(\.id)).count, 10)
        XCTAssertEqual(topology.rooms.map(\.id), ["t-g0", "t-g1"])
        XCTAssertEqual(topology.phases[0][0], [.createRoom(room: 0)])
        XCTAssertEqual(topology.phases[0][5], [.createRoom(room: 1)])
        XCTAssertEqual(topology.users[0].role, "mentor")
        XCTAssertEqual(topology.phases[1].count, 10)
        XCTAssertEqual(topology.slots, [.init(client: 0, room: 0), .init(client: 5, room: 1), .init(client: 1, room: 0), .init(client: 6, room: 1)])
        XCTAssertEqual(topology.stormClients.count, 6)
        XCTAssertEqual(topology.deliveriesPerMessage, 5)
    }

    func testMentoringDirectRoomsAndGroups() {
        let topology = TopologyBuilder.mentoring(mentors: 2, studentsPerMentor: 3, groups: 1, groupSize: 4, tag: "t")
        XCTAssertEqual(topology.users.filter { $0.role == "mentor" }.count, 2)
        XCTAssertEqual(topology.users.filter { $0.role == "student" }.count, 6)
        XCTAssertEqual(topology.rooms.filter { $0.kind == .direct }.count, 6)
        // Student u2 (client 2) opens its direct room with its mentor u0.
        XCTAssertEqual(topology.phases[1][2], [.openDirect(room: 0, peer: "u0")])
        // Mentor 0 joins its three direct rooms and creates the group.
        XCTAssertEqual(topology.phases[0][0], [.createRoom(room: 6)])
        XCTAssertTrue(topology.phases[2][0]?.contains(.join(room: 0, readReceipts: true)) ?? false)
        XCTAssertEqual(topology.rooms[6].members.count, 3)
        XCTAssertGreaterThan(topology.deliveriesPerMessage, 2)
    }
}
