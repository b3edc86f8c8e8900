import Foundation
import XCTest

/// The admin HTTP API (`/v1/admin/…`, PROTOCOL.md "Admin HTTP API"): users and bans, org-scoped,
/// admins only. Every exchange is also checked against docs/openapi.yaml by scripts/test.sh.
final class AdminAPIConformanceTests: ConformanceTestCase {
    private func call(
        _ method: String, _ path: String, token: String?, body: String? = nil
    ) async throws -> (status: Int, body: JSON?, headers: [String: String]) {
        let headers = token.map { [("Authorization", "Bearer \($0)")] } ?? []
        let result = try await RawHTTP.request(port: server.port, method: method, path: "/v1/admin" + path, headers: headers, body: body)
        XCTAssertEqual(result.headers["x-content-type-options"], "nosniff")
        return (result.status, JSON.parse(result.body), result.headers)
    }

    private func adminToken(org: String? = nil) async throws -> String {
        try await server.token(user: "boss", org: org ?? self.org, role: "admin")
    }

    private func nowMS() -> Int { Int(Date().timeIntervalSince1970 * 1000) }

    func testUsersListShowsRoleOnlineAndBannedWithPaging() async throws {
        let sam = try await user("sam", name: "Sam")
        _ = try await user("mia", "mentor", name: "Mia")
        let gone = try await user("zoe", name: "Zoe")
        await gone.close()
        _ = try await user("ann", name: "Ann", org: Fresh.id("other"))
        let token = try await adminToken()
        try await Task.sleep(for: .milliseconds(100))

        let all = try await call("GET", "/users", token: token)
        XCTAssertEqual(all.status, 200)
        let users = all.body?["users"]?.array ?? []
        XCTAssertEqual(users.compactMap { $0["id"]?.string }, ["mia", "sam", "zoe"], "id order, this org only")
        XCTAssertEqual(users[1]["name"]?.string, "Sam")
        XCTAssertEqual(users[1]["role"]?.string, "student")
        XCTAssertEqual(users[1]["online"]?.bool, true)
        XCTAssertEqual(users[1]["banned"]?.bool, false)
        XCTAssertNil(all.body?["next"], "one page holds everyone")
        XCTAssertTrue(sam.hello.withLock { $0 } != nil)

        let first = try await call("GET", "/users?limit=2", token: token)
        XCTAssertEqual(first.body?["users"]?.array?.compactMap { $0["id"]?.string }, ["mia", "sam"])
        let cursor = try XCTUnwrap(first.body?["next"]?.string)
        let second = try await call("GET", "/users?limit=2&after=\(cursor)", token: token)
        XCTAssertEqual(second.body?["users"]?.array?.compactMap { $0["id"]?.string }, ["zoe"])

        let one = try await call("GET", "/users/mia", token: token)
        XCTAssertEqual(one.status, 200)
        XCTAssertEqual(one.body?["role"]?.string, "mentor")
        let unknown = try await call("GET", "/users/nobody", token: token)
        XCTAssertEqual(unknown.status, 404)
        XCTAssertEqual(unknown.body?["code"]?.string, "not_found")
        let badLimit = try await call("GET", "/users?limit=0", token: token)
        XCTAssertEqual(badLimit.status, 400)
    }

    func testBanClosesEverySessionWith4003AndRefusesNewOnesUntilUnbanned() async throws {
        let phone = try await user("troll")
        let laptop = try await user("troll")
        let bystander = try await user("sam")
        let token = try await adminToken()

        let created = try await call("POST", "/bans", token: token, body: #"{"user":"troll","reason":"spamming links"}"#)
        XCTAssertEqual(created.status, 201)
        XCTAssertEqual(created.body?["user"]?.string, "troll")
        XCTAssertEqual(created.body?["reason"]?.string, "spamming links")
        XCTAssertEqual(created.body?["by"]?.string, "boss")
        XCTAssertEqual(created.body?["expires_at"], .null)
        let phoneClose = try await phone.closeCode()
        let laptopClose = try await laptop.closeCode()
        XCTAssertEqual(phoneClose, 4003)
        XCTAssertEqual(laptopClose, 4003)
        let bystanderOpen = await bystander.isOpen()
        XCTAssertTrue(bystanderOpen)

        // A new session is refused.
        let again = try await server.connect(label: "troll again")
        try await again.send(json: ["type": "auth", "id": "a", "token": try await server.token(user: "troll", org: org, role: "student")])
        let refusedClose = try await again.closeCode()
        XCTAssertEqual(refusedClose, 4003)

        let listed = try await call("GET", "/bans", token: token)
        XCTAssertEqual(listed.body?["bans"]?.array?.compactMap { $0["user"]?.string }, ["troll"])
        let users = try await call("GET", "/users", token: token)
        let troll = users.body?["users"]?.array?.first { $0["id"]?.string == "troll" }
        XCTAssertEqual(troll?["banned"]?.bool, true)

        let lifted = try await call("DELETE", "/bans/troll", token: token)
        XCTAssertEqual(lifted.status, 204)
        let liftedAgain = try await call("DELETE", "/bans/troll", token: token)
        XCTAssertEqual(liftedAgain.status, 404)
        _ = try await user("troll")
        let empty = try await call("GET", "/bans", token: token)
        XCTAssertEqual(empty.body?["bans"]?.array?.count, 0)

        let audit = try await RawHTTP.get(port: server.port, path: "/v1/audit?limit=5", headers: [("Authorization", "Bearer \(token)")])
        let actions = JSON.parse(audit.body)?["records"]?.array?.compactMap { $0["action"]?.string }.filter { $0 != "admin_read" }
        XCTAssertEqual(actions, ["unban", "ban"])
    }

    func testBanWithExpiryLiftsByItself() async throws {
        let token = try await adminToken()
        let expiresAt = nowMS() + 1500
        let created = try await call("POST", "/bans", token: token, body: #"{"user":"brief","expires_at":\#(expiresAt)}"#)
        XCTAssertEqual(created.status, 201)
        XCTAssertEqual(created.body?["expires_at"]?.int, expiresAt)
        XCTAssertEqual(created.body?["reason"], .null)

        // Banned ahead of a first sign-in.
        let early = try await server.connect(label: "brief")
        try await early.send(json: ["type": "auth", "id": "a", "token": try await server.token(user: "brief", org: org, role: "student")])
        let earlyClose = try await early.closeCode()
        XCTAssertEqual(earlyClose, 4003)

        try await Task.sleep(for: .milliseconds(max(0, expiresAt - nowMS()) + 100))
        _ = try await user("brief")
        let listed = try await call("GET", "/bans", token: token)
        XCTAssertEqual(listed.body?["bans"]?.array?.count, 0, "an expired ban is not listed")
    }

    func testBadRequestsGetClearErrorsAndChangeNothing() async throws {
        let token = try await adminToken()
        let cases: [(String, String)] = [
            ("", "send a JSON object"),
            ("{", "not valid JSON"),
            (#"{"reason":"x"}"#, "missing field 'user'"),
            (#"{"user":5}"#, "'user' must be a string"),
            (#"{"user":"bad id!"}"#, "not a valid user id"),
            (#"{"user":"boss"}"#, "cannot ban yourself"),
            (#"{"user":"sam","expires_at":"tomorrow"}"#, "'expires_at' must be an integer"),
            (#"{"user":"sam","expires_at":1000}"#, "not in the future"),
            (#"{"user":"sam","reason":"a\u0000b"}"#, "control characters"),
        ]
        for (body, message) in cases {
            let result = try await call("POST", "/bans", token: token, body: body.isEmpty ? nil : body)
            XCTAssertEqual(result.status, 400, body)
            XCTAssertEqual(result.body?["code"]?.string, "bad_request", body)
            XCTAssertTrue(result.body?["message"]?.string?.contains(message) == true, "\(body): \(String(describing: result.body))")
        }
        let listed = try await call("GET", "/bans", token: token)
        XCTAssertEqual(listed.body?["bans"]?.array?.count, 0)

        let wrongMethod = try await call("PUT", "/bans", token: token, body: "{}")
        XCTAssertEqual(wrongMethod.status, 405)
        XCTAssertEqual(wrongMethod.headers["allow"], "GET, POST")
        let unknownPath = try await call("GET", "/nothing-here", token: token)
        XCTAssertEqual(unknownPath.status, 404)
    }

    func testOnlyAdminsOfTheOrgGetIn() async throws {
        _ = try await user("sam")
        let admin = try await adminToken()
        _ = try await call("POST", "/bans", token: admin, body: #"{"user":"troll"}"#)

        let noToken = try await call("GET", "/users", token: nil)
        XCTAssertEqual(noToken.status, 401)
        XCTAssertEqual(noToken.body?["code"]?.string, "unauthorized")
        for role in ["student", "mentor", "guest"] {
            let token = try await server.token(user: "someone", org: org, role: role)
            for (method, path, body) in [("GET", "/users", nil), ("GET", "/bans", nil), ("POST", "/bans", #"{"user":"sam"}"#), ("DELETE", "/bans/troll", nil)] {
                let result = try await call(method, path, token: token, body: body)
                XCTAssertEqual(result.status, 403, "\(role) \(method) \(path)")
                XCTAssertEqual(result.body?["code"]?.string, "forbidden")
            }
        }
        // Another org's admin sees nothing of this org and cannot lift its bans.
        let foreign = try await adminToken(org: Fresh.id("other"))
        let foreignUsers = try await call("GET", "/users", token: foreign)
        XCTAssertEqual(foreignUsers.body?["users"]?.array?.count, 0)
        let foreignBans = try await call("GET", "/bans", token: foreign)
        XCTAssertEqual(foreignBans.body?["bans"]?.array?.count, 0)
        let foreignUnban = try await call("DELETE", "/bans/troll", token: foreign)
        XCTAssertEqual(foreignUnban.status, 404)
        let stillBanned = try await call("GET", "/bans", token: admin)
        XCTAssertEqual(stillBanned.body?["bans"]?.array?.compactMap { $0["user"]?.string }, ["troll"])
    }

    func testEndOneSessionThenSignOutEverywhere() async throws {
        let phone = try await user("sam")
        let laptop = try await user("sam")
        let token = try await adminToken()
        let phoneID = try XCTUnwrap(phone.hello.withLock { $0 }?["session"]?.string)
        let laptopID = try XCTUnwrap(laptop.hello.withLock { $0 }?["session"]?.string)

        let listed = try await call("GET", "/users/sam/sessions", token: token)
        XCTAssertEqual(listed.status, 200)
        XCTAssertEqual(Set(listed.body?["sessions"]?.array?.compactMap { $0["id"]?.string } ?? []), [phoneID, laptopID])
        XCTAssertEqual(listed.body?["sessions"]?[0]?["address"]?.string, "127.0.0.1")
        XCTAssertEqual(listed.body?["elsewhere"]?.array?.count, 0)

        let ended = try await call("DELETE", "/users/sam/sessions/\(phoneID)", token: token)
        XCTAssertEqual(ended.status, 204)
        let phoneClose = try await phone.closeCode()
        XCTAssertEqual(phoneClose, 4001)
        let laptopOpen = await laptop.isOpen()
        XCTAssertTrue(laptopOpen, "only that session ends")
        let again = try await call("DELETE", "/users/sam/sessions/\(phoneID)", token: token)
        XCTAssertEqual(again.status, 404)
        // Its token still works: ending a session is not a sign-out.
        let phoneAgain = try await user("sam")

        let oldToken = try await server.token(user: "sam", org: org, role: "student")
        let signedOut = try await call("POST", "/users/sam/sign-out", token: token)
        XCTAssertEqual(signedOut.status, 204)
        let laptopClose = try await laptop.closeCode()
        let phoneAgainClose = try await phoneAgain.closeCode()
        XCTAssertEqual(laptopClose, 4001)
        XCTAssertEqual(phoneAgainClose, 4001)

        // Tokens issued before the sign-out open nothing, on the WebSocket or over HTTP.
        let stale = try await server.connect(label: "sam with an old token")
        try await stale.send(json: ["type": "auth", "id": "a", "token": oldToken])
        let staleClose = try await stale.closeCode()
        XCTAssertEqual(staleClose, 4001)
        let http = try await RawHTTP.get(port: server.port, path: "/v1/leaderboard?period=week", headers: [("Authorization", "Bearer \(oldToken)")])
        XCTAssertEqual(http.status, 401)

        // A token issued after it works, and cannot be swapped for an old one with `refresh`.
        try await Task.sleep(for: .milliseconds(1100))
        let fresh = try await user("sam")
        try await fresh.expectError("unauthorized", to: ["type": "refresh", "token": oldToken])

        let audit = try await RawHTTP.get(port: server.port, path: "/v1/audit?limit=5", headers: [("Authorization", "Bearer \(token)")])
        let actions = JSON.parse(audit.body)?["records"]?.array?.compactMap { $0["action"]?.string }.filter { $0 != "admin_read" }
        XCTAssertEqual(actions, ["sign_out", "end_session"])
    }

    func testAuditTrailFiltersAndPages() async throws {
        let token = try await adminToken()
        for user in ["a1", "a2", "a3"] {
            _ = try await call("POST", "/bans", token: token, body: #"{"user":"\#(user)"}"#)
        }
        _ = try await call("DELETE", "/bans/a2", token: token)

        let all = try await call("GET", "/audit", token: token)
        XCTAssertEqual(all.status, 200)
        let records = all.body?["records"]?.array ?? []
        // Reading the trail is itself audited, before the read.
        XCTAssertEqual(records.compactMap { $0["action"]?.string }, ["admin_read", "unban", "ban", "ban", "ban"])
        XCTAssertEqual(records.first?["detail"]?.string, "/v1/admin/audit")
        XCTAssertEqual(records.compactMap { $0["seq"]?.int }, [5, 4, 3, 2, 1], "each org's own chain")
        XCTAssertEqual(records.first?["hash"]?.string?.count, 64)

        let bans = try await call("GET", "/audit?action=ban&subject=a2", token: token)
        XCTAssertEqual(bans.body?["records"]?.array?.count, 1)
        let first = try await call("GET", "/audit?limit=2&action=ban", token: token)
        XCTAssertEqual(first.body?["records"]?.array?.compactMap { $0["seq"]?.int }, [3, 2])
        let cursor = try XCTUnwrap(first.body?["next"]?.int)
        let second = try await call("GET", "/audit?limit=2&action=ban&before=\(cursor)", token: token)
        XCTAssertEqual(second.body?["records"]?.array?.compactMap { $0["seq"]?.int }, [1])
        let bad = try await call("GET", "/audit?since=yesterday", token: token)
        XCTAssertEqual(bad.status, 400)
        let student = try await server.token(user: "sam", org: org, role: "student")
        let refused = try await call("GET", "/audit", token: student)
        XCTAssertEqual(refused.status, 403)
    }

    func testHeldMessagesAreListedAndDecidedFromTheDashboard() async throws {
        let mentor = try await user("mia", "mentor")
        let student = try await user("sam")
        let room = Fresh.id("held")
        try await mentor.createRoom(room, visibility: "org")
        try await mentor.join(room)
        try await student.join(room)
        let first = try await student.say("this is fucking hard", in: room)
        let second = try await student.say("this fucking homework again", in: room)
        XCTAssertEqual(first["status"]?.string, "held")
        let token = try await adminToken()

        let listed = try await call("GET", "/held", token: token)
        XCTAssertEqual(listed.status, 200)
        let held = listed.body?["held"]?.array ?? []
        XCTAssertEqual(held.compactMap { $0["msg"]?["id"]?.string }, [first["msg_id"]?.string, second["msg_id"]?.string].compactMap { $0 })
        XCTAssertEqual(held.first?["room"]?.string, room)
        XCTAssertEqual(held.first?["msg"]?["text"]?.string, "this is fucking hard")
        XCTAssertNotNil(held.first?["deadline"]?.int)

        let firstID = try XCTUnwrap(first["msg_id"]?.string)
        let approved = try await call("POST", "/held/\(firstID)", token: token, body: #"{"action":"approve"}"#)
        XCTAssertEqual(approved.status, 204)
        let delivered = try await mentor.nextMessage(in: room)
        XCTAssertEqual(delivered["msg"]?["text"]?.string, "this is fucking hard")
        let twice = try await call("POST", "/held/\(firstID)", token: token, body: #"{"action":"reject"}"#)
        XCTAssertEqual(twice.status, 404, "one decision wins")

        let secondID = try XCTUnwrap(second["msg_id"]?.string)
        let bad = try await call("POST", "/held/\(secondID)", token: token, body: #"{"action":"delete"}"#)
        XCTAssertEqual(bad.status, 400)
        let rejected = try await call("POST", "/held/\(secondID)", token: token, body: #"{"action":"reject","reason":"language"}"#)
        XCTAssertEqual(rejected.status, 204)
        let notice = try await student.nextPush("moderation", in: room)
        XCTAssertEqual(notice["action"]?.string, "reject")
        XCTAssertEqual(notice["reason"]?.string, "language")
        let empty = try await call("GET", "/held", token: token)
        XCTAssertEqual(empty.body?["held"]?.array?.count, 0)
    }

    func testMutesAreSetListedAndLifted() async throws {
        let mentor = try await user("mia", "mentor")
        let student = try await user("sam")
        let room = Fresh.id("mute")
        try await mentor.createRoom(room, visibility: "org")
        try await student.join(room)
        let token = try await adminToken()

        let muted = try await call("POST", "/mutes", token: token, body: #"{"room":"\#(room)","user":"sam","duration_ms":60000,"reason":"cool off"}"#)
        XCTAssertEqual(muted.status, 201)
        XCTAssertEqual(muted.body?["user"]?.string, "sam")
        XCTAssertGreaterThan(muted.body?["until"]?.int ?? 0, nowMS())
        try await student.expectError("forbidden", to: ["type": "send", "room": room, "text": "hello?", "client_msg_id": "c1"])

        let listed = try await call("GET", "/mutes", token: token)
        XCTAssertEqual(listed.body?["mutes"]?.array?.compactMap { $0["user"]?.string }, ["sam"])
        let unknownRoom = try await call("POST", "/mutes", token: token, body: #"{"room":"nowhere","user":"sam","duration_ms":1000}"#)
        XCTAssertEqual(unknownRoom.status, 404)
        let noDuration = try await call("POST", "/mutes", token: token, body: #"{"room":"\#(room)","user":"sam","duration_ms":0}"#)
        XCTAssertEqual(noDuration.status, 400)

        let lifted = try await call("DELETE", "/mutes/\(room)/sam", token: token)
        XCTAssertEqual(lifted.status, 204)
        try await student.say("back again", in: room)
        let again = try await call("DELETE", "/mutes/\(room)/sam", token: token)
        XCTAssertEqual(again.status, 404)

        let audit = try await call("GET", "/audit?room=\(room)", token: token)
        XCTAssertEqual(audit.body?["records"]?.array?.compactMap { $0["action"]?.string }, ["unmute", "mute", "member_add", "room_create"])
    }

    func testRoomsAreListedShownAndMembersRemoved() async throws {
        let mentor = try await user("mia", "mentor")
        let student = try await user("sam")
        let algebra = "algebra-\(UUID().uuidString.prefix(4).lowercased())"
        let biology = "biology-\(UUID().uuidString.prefix(4).lowercased())"
        try await mentor.createRoom(algebra, title: "Algebra", visibility: "org")
        try await mentor.createRoom(biology, title: "Biology", visibility: "org")
        try await mentor.join(algebra)
        try await student.join(algebra)
        try await student.say("x + 1 = 2", in: algebra)
        let direct = try await student.require("room", ["type": "direct.open", "user": "mia"])
        let directID = try XCTUnwrap(direct["room"]?["id"]?.string)
        let token = try await adminToken()

        let listed = try await call("GET", "/rooms", token: token)
        XCTAssertEqual(listed.status, 200)
        let rooms = listed.body?["rooms"]?.array ?? []
        XCTAssertEqual(rooms.compactMap { $0["room"]?["id"]?.string }, [algebra, biology, directID].sorted())
        let first = try await call("GET", "/rooms?limit=1", token: token)
        let cursor = try XCTUnwrap(first.body?["next"]?.string)
        let rest = try await call("GET", "/rooms?after=\(cursor)", token: token)
        XCTAssertEqual(rest.body?["rooms"]?.array?.count, 2)

        let shown = try await call("GET", "/rooms/\(algebra)", token: token)
        XCTAssertEqual(shown.body?["room"]?["title"]?.string, "Algebra")
        XCTAssertEqual(shown.body?["room"]?["members"]?.array?.compactMap(\.string), ["mia", "sam"])
        XCTAssertEqual(shown.body?["last_seq"]?.int, 1)
        let dm = try await call("GET", "/rooms/\(directID)", token: token)
        XCTAssertEqual(dm.body?["room"]?["kind"]?.string, "direct")

        let removed = try await call("DELETE", "/rooms/\(algebra)/members/sam", token: token)
        XCTAssertEqual(removed.status, 204)
        _ = try await student.nextPush("kicked", in: algebra)
        let after = try await call("GET", "/rooms/\(algebra)", token: token)
        XCTAssertEqual(after.body?["room"]?["members"]?.array?.compactMap(\.string), ["mia"])
        let notMember = try await call("DELETE", "/rooms/\(algebra)/members/sam", token: token)
        XCTAssertEqual(notMember.status, 404)
        let missing = try await call("GET", "/rooms/nowhere", token: token)
        XCTAssertEqual(missing.status, 404)
        let foreign = try await call("GET", "/rooms/\(algebra)", token: try await adminToken(org: Fresh.id("other")))
        XCTAssertEqual(foreign.status, 404)
    }

    func testRoomTitleChangesReachJoinedSessions() async throws {
        let mentor = try await user("mia", "mentor")
        let student = try await user("sam")
        let room = Fresh.id("title")
        try await mentor.createRoom(room, title: "Algebra", visibility: "org")
        try await student.join(room)
        let token = try await adminToken()

        let changed = try await call("PATCH", "/rooms/\(room)", token: token, body: #"{"title":"Algebra II"}"#)
        XCTAssertEqual(changed.status, 200)
        XCTAssertEqual(changed.body?["room"]?["title"]?.string, "Algebra II")
        let push = try await student.next(type: "room.updated")
        XCTAssertEqual(push["room"]?["title"]?.string, "Algebra II")
        XCTAssertEqual(push["by"]?.string, "boss")
        let rejoined = try await user("zoe").join(room)
        XCTAssertEqual(rejoined["room"]?["title"]?.string, "Algebra II")

        let blocked = try await call("PATCH", "/rooms/\(room)", token: token, body: #"{"title":"you are all idiots"}"#)
        XCTAssertEqual(blocked.status, 422)
        XCTAssertEqual(blocked.body?["code"]?.string, "message_blocked")
        let tooLong = try await call("PATCH", "/rooms/\(room)", token: token, body: #"{"title":"\#(String(repeating: "a", count: 201))"}"#)
        XCTAssertEqual(tooLong.status, 400)
        let missing = try await call("PATCH", "/rooms/nowhere", token: token, body: #"{"title":"x"}"#)
        XCTAssertEqual(missing.status, 404)
        let direct = try await student.require("room", ["type": "direct.open", "user": "mia"])
        let directID = try XCTUnwrap(direct["room"]?["id"]?.string)
        let directTitle = try await call("PATCH", "/rooms/\(directID)", token: token, body: #"{"title":"x"}"#)
        XCTAssertEqual(directTitle.status, 400)
        let shown = try await call("GET", "/rooms/\(room)", token: token)
        XCTAssertEqual(shown.body?["room"]?["title"]?.string, "Algebra II", "refused changes change nothing")
        let audit = try await call("GET", "/audit?action=retitle", token: token)
        XCTAssertEqual(audit.body?["records"]?.array?.compactMap { $0["detail"]?.string }, ["Algebra II"])
    }

    func testAnArchivedRoomIsReadOnlyUntilOpenedAgain() async throws {
        let mentor = try await user("mia", "mentor")
        let student = try await user("sam")
        let room = Fresh.id("archive")
        try await mentor.createRoom(room, title: "Algebra", visibility: "org")
        try await mentor.join(room)
        try await student.join(room)
        let first = try await student.say("before the archive", in: room)
        let token = try await adminToken()

        let archived = try await call("PATCH", "/rooms/\(room)", token: token, body: #"{"archived":true}"#)
        XCTAssertEqual(archived.status, 200)
        XCTAssertNotNil(archived.body?["room"]?["archived_at"]?.int)
        let push = try await student.next(type: "room.updated")
        XCTAssertNotNil(push["room"]?["archived_at"]?.int)
        for request in [
            ["type": "send", "room": room, "text": "after the archive", "client_msg_id": "c-archived"],
            ["type": "react", "room": room, "msg_id": first["msg_id"]?.string ?? "", "emoji": "👍", "on": true],
        ] as [[String: Any]] {
            let refused = try await student.expectError("forbidden", to: request)
            XCTAssertEqual(refused["reason"]?.string, "archived")
        }
        // Still readable and joinable.
        let history = try await student.require("history", ["type": "history", "room": room, "limit": 10])
        XCTAssertEqual(history["messages"]?.array?.compactMap { $0["text"]?.string }, ["before the archive"])
        let joined = try await user("zoe").join(room)
        XCTAssertNotNil(joined["room"]?["archived_at"]?.int)
        let shown = try await call("GET", "/rooms/\(room)", token: token)
        XCTAssertNotNil(shown.body?["room"]?["archived_at"]?.int)

        let opened = try await call("PATCH", "/rooms/\(room)", token: token, body: #"{"archived":false}"#)
        XCTAssertEqual(opened.status, 200)
        XCTAssertNil(opened.body?["room"]?["archived_at"])
        _ = try await student.next(type: "room.updated")
        try await student.say("open again", in: room)
        let empty = try await call("PATCH", "/rooms/\(room)", token: token, body: "{}")
        XCTAssertEqual(empty.status, 400)

        // Membership changes and the archive are in the trail.
        try await student.require("ok", ["type": "leave", "room": room])
        let audit = try await call("GET", "/audit?room=\(room)&limit=50", token: token)
        let actions = audit.body?["records"]?.array?.compactMap { $0["action"]?.string } ?? []
        for action in ["room_create", "member_add", "archive", "unarchive", "member_remove"] {
            XCTAssertTrue(actions.contains(action), "\(action) in \(actions)")
        }
    }

    func testChangesToSomeoneElsesMessageAreAuditedAndOwnOnesAreNot() async throws {
        let admin = try await user("ada", "admin")
        let student = try await user("sam")
        let room = Fresh.id("changes")
        try await admin.createRoom(room, visibility: "org")
        try await admin.join(room)
        try await student.join(room)
        let own = try await student.say("my first try", in: room)
        try await student.require("ok", ["type": "edit", "room": room, "msg_id": own["msg_id"]?.string ?? "", "text": "my second try"])
        try await admin.require("ok", ["type": "delete", "room": room, "msg_id": own["msg_id"]?.string ?? ""])
        let audit = try await call("GET", "/audit?room=\(room)&limit=50", token: try await adminToken())
        let changes = audit.body?["records"]?.array?.filter { ["edit", "delete"].contains($0["action"]?.string ?? "") } ?? []
        XCTAssertEqual(changes.compactMap { $0["action"]?.string }, ["delete"], "the author's own edit is not an admin action")
        XCTAssertEqual(changes.first?["actor"]?.string, "ada")
        XCTAssertEqual(changes.first?["subject"]?.string, "sam")
        XCTAssertEqual(changes.first?["msg_id"]?.string, own["msg_id"]?.string)
    }
}
