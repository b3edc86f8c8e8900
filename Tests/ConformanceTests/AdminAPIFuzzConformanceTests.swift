import Foundation
import SeededRandom
import XCTest

/// Seeded fuzz of the admin HTTP API: random methods, paths, query values and bodies full of
/// extreme values, from admins of two orgs, a student and no token at all. The server must answer
/// every request with a documented status (never 5xx), keep every reply bounded, never show one
/// org's data to the other, and stay up. Deterministic from a seed (`RTS_FUZZ_SEED`).
final class AdminAPIFuzzConformanceTests: XCTestCase {
    func testSeededFuzzOfTheAdminAPI() async throws {
        let environment = ProcessInfo.processInfo.environment
        let seed = environment["RTS_FUZZ_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 0...UInt64(UInt32.max))
        let iterations = environment["RTS_FUZZ_ITERATIONS"].flatMap { Int($0) }.map { $0 / 3 } ?? 500
        FileHandle.standardError.write(Data("AdminAPIFuzzConformanceTests: seed \(seed), \(iterations) requests (RTS_FUZZ_SEED=\(seed) repeats this run)\n".utf8))
        var rng = SplitMix64(seed: seed)
        try await withServer({
            $0.httpRatePerIP = 1_000_000
            $0.httpBurstPerIP = 1_000_000
        }) { server in
            let ours = Fresh.id("org"), theirs = Fresh.id("org")
            // State in both orgs; the other org's names carry a marker that must never show up in ours.
            let sam = try await server.connectAuthed(user: "sam", org: ours)
            let mentor = try await server.connectAuthed(user: "mia", org: ours, role: "mentor")
            try await mentor.createRoom("algebra", visibility: "org")
            try await sam.join("algebra")
            let secret = try await server.connectAuthed(user: "secretb-user", org: theirs, role: "mentor")
            try await secret.createRoom("secretb-room", title: "secretb-title", visibility: "org")
            try await secret.join("secretb-room")
            try await secret.say("secretb-message", in: "secretb-room")
            let tokens = [
                try await server.token(user: "boss", org: ours, role: "admin"),
                try await server.token(user: "boss", org: ours, role: "admin"),
                try await server.token(user: "sam", org: ours, role: "student"),
                "not.a.token", "",
            ]
            let documented: Set<Int> = [200, 201, 202, 204, 400, 401, 403, 404, 405, 422]
            var statuses: [Int: Int] = [:]
            for index in 0..<iterations {
                let (method, path, body) = Self.request(using: &rng)
                let token = rng.pick(tokens)
                let headers = token.isEmpty ? [] : [("Authorization", "Bearer \(token)")]
                let reply: HTTPResult
                do {
                    reply = try await RawHTTP.request(port: server.port, method: method, path: path, headers: headers, body: body)
                } catch {
                    XCTFail("seed \(seed) #\(index): \(method) \(path): no answer: \(error)")
                    continue
                }
                statuses[reply.status, default: 0] += 1
                XCTAssertTrue(documented.contains(reply.status), "seed \(seed) #\(index): \(method) \(path) \(body ?? "") → \(reply.status) \(reply.body.prefix(300))")
                XCTAssertLessThan(reply.body.utf8.count, 1 << 20, "seed \(seed) #\(index): reply of \(reply.body.utf8.count) bytes")
                XCTAssertFalse(reply.body.contains("secretb"), "seed \(seed) #\(index): another org's data in \(reply.body.prefix(300))")
            }
            FileHandle.standardError.write(Data("AdminAPIFuzzConformanceTests: statuses \(statuses.sorted { $0.key < $1.key })\n".utf8))
            // Still serving, and the other org untouched.
            let health = try await RawHTTP.get(port: server.port, path: "/healthz")
            XCTAssertEqual(health.status, 200)
            let check = try await server.connectAuthed(user: "secretb-user", org: theirs, role: "mentor")
            let history = try await check.require("history", ["type": "history", "room": "secretb-room", "limit": 10])
            XCTAssertEqual(history["messages"]?.array?.compactMap { $0["text"]?.string }, ["secretb-message"])
        }
    }

    /// Ids of our org (and unknown ones); the other org's names are never sent, so seeing one is a leak.
    /// Not "boss", the fuzzing admin: a ban or sign-out of boss would turn the rest of the run into 401s.
    private static let ids = ["sam", "mia", "ada", "algebra", "nobody", "dm:3:mia:sam"]
    // (A NUL in the path, %00, is refused by libwebsockets itself: it drops the connection.)
    private static let oddIDs = ["a%20b", String(repeating: "i", count: 129), "%E2%9C%93", "-", "@"]

    /// One request: a route of the admin API (or near one), query values and a body of extreme values.
    private static func request(using rng: inout SplitMix64) -> (method: String, path: String, body: String?) {
        func id() -> String { rng.chance(0.8) ? rng.pick(ids) : rng.pick(oddIDs) }
        let path = rng.pick([
            "users", "users/\(id())", "users/\(id())/sessions", "users/\(id())/sessions/\(id())", "users/\(id())/sign-out", "users/\(id())/erase",
            "bans", "bans/\(id())", "rooms", "rooms/\(id())", "rooms/\(id())/members/\(id())", "held", "held/\(id())",
            "mutes", "mutes/\(id())/\(id())", "audit", "nothing", "users/\(id())/\(id())/\(id())",
        ])
        var query: [String] = []
        for name in ["limit", "after", "before", "since", "until", "action", "subject"] where rng.chance(0.2) {
            let value = rng.chance(0.7) ? rng.pick(ExtremeValues.numbers) : rng.pick(ids)
            query.append("\(name)=\(value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")")
        }
        let method = rng.pick(["GET", "GET", "POST", "POST", "DELETE", "PATCH", "PUT"])
        var body: String?
        if method != "GET" && rng.chance(0.9) {
            var fields: [(String, RawJSON)] = []
            for name in ["user", "room", "reason", "expires_at", "duration_ms", "action", "title", "archived"] where rng.chance(0.5) {
                let numeric = name == "expires_at" || name == "duration_ms"
                let valid: RawJSON = name == "archived" ? .bool(rng.chance(0.5))
                    : numeric ? .int(Int64.random(in: 1...Int64.max, using: &rng)) : .string(rng.pick(ids + ["approve", "reject"]))
                let value = rng.chance(0.4) ? valid : ExtremeValues.any(numeric: numeric, using: &rng)
                fields.append((name, value))
            }
            let text = rng.chance(0.9) ? RawJSON.object(fields).text : rng.pick(["{", "[]", "null", "\"x\"", "{\"user\":"])
            // Bodies stay within the transport's 64 KiB (larger ones get 413 before the API sees them).
            body = text.utf8.count < 60_000 ? text : "{}"
        }
        return (method, "/v1/admin/" + path + (query.isEmpty ? "" : "?" + query.joined(separator: "&")), body)
    }
}
