@testable import Gamification
import XCTest

final class LeaderboardTests: XCTestCase {
    func testRankedSetMatchesASortedArrayUnderRandomEdits() {
        var set = RankedSet<Int>()
        var model: [Int] = []
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5000 {
            if model.isEmpty || Bool.random(using: &generator) {
                let value = Int.random(in: 0..<500, using: &generator)
                set.insert(value)
                model.append(value)
            } else {
                let value = model.remove(at: Int.random(in: 0..<model.count, using: &generator))
                XCTAssertTrue(set.remove(value))
            }
        }
        XCTAssertEqual(set.count, model.count)
        XCTAssertEqual(set.prefix(model.count), model.sorted())
        XCTAssertEqual(set.prefix(10), Array(model.sorted().prefix(10)))
        XCTAssertFalse(set.remove(10_000))
    }

    func testLeaderboardOrdersByPointsThenUser() {
        var board = Leaderboard()
        board.add(5, to: "bob")
        board.add(7, to: "amy")
        board.add(5, to: "ann")
        board.add(10, to: "bob")
        XCTAssertEqual(board.top(10).map(\.user), ["bob", "amy", "ann"])
        XCTAssertEqual(board.points(of: "bob"), 15)
        board.add(-20, to: "bob")
        XCTAssertEqual(board.points(of: "bob"), 0, "never below zero")
        XCTAssertEqual(board.top(10).map(\.user), ["amy", "ann"], "users with no points are not listed")
    }

    func testTopTenOfTenThousandUsers() {
        var board = Leaderboard()
        for user in 0..<10_000 { board.add(user % 977, to: "u\(user)") }
        let top = board.top(10)
        XCTAssertEqual(top.count, 10)
        XCTAssertEqual(top.first?.points, 976)
        XCTAssertTrue(zip(top, top.dropFirst()).allSatisfy { !($1 < $0) })
    }
}
