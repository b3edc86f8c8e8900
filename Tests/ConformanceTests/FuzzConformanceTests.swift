import Auth
import Configuration
import Foundation
import SeededRandom
import XCTest

/// Issue 11: no input from any client takes the server down, wedges it, or loses data.
/// Every request type, from every role, with fields set to extreme and wrong-typed values, against
/// a real server; deterministic from a seed (printed; `RTS_FUZZ_SEED`, `RTS_FUZZ_ITERATIONS`).
/// `RTS_FUZZ_EXECUTABLE=1` runs against the built executable instead of an in-process node, so a
/// trap ends only the server and the failure names the frame that caused it.
final class FuzzConformanceTests: XCTestCase {
    func testSeededFuzzOfEveryRequestFromEveryRole() async throws {
        let environment = ProcessInfo.processInfo.environment
        let seed = environment["RTS_FUZZ_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 0...UInt64(UInt32.max))
        let iterations = environment["RTS_FUZZ_ITERATIONS"].flatMap { Int($0) } ?? 1500
        // Unbuffered (stderr), so the seed is out before anything can trap the process.
        FileHandle.standardError.write(Data("FuzzConformanceTests: seed \(seed), \(iterations) iterations (RTS_FUZZ_SEED=\(seed) repeats this run)\n".utf8))
        let outcome: FuzzRun.Outcome
        if environment["RTS_FUZZ_EXECUTABLE"] == "1" {
            outcome = try await fuzzExecutable(seed: seed, iterations: iterations)
        } else {
            outcome = try await withServer({
                $0.reviewTimeoutMS = 600_000
            }) { server in
                let target = FuzzRun.Target(port: server.port, maxFrameBytes: server.config.maxFrameBytes, log: { "" })
                return try await FuzzRun(target: target, seed: seed).run(iterations: iterations)
            }
        }
        print("FuzzConformanceTests: \(outcome.summary)")
        for violation in outcome.violations {
            XCTFail("seed \(seed): \(violation)")
        }
    }

    private func fuzzExecutable(seed: UInt64, iterations: Int) async throws -> FuzzRun.Outcome {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rts-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let process = try await ServerProcess.start(
            dbPath: directory.appendingPathComponent("chat.sqlite").path, workingDirectory: directory,
            extra: [
                "RTS_SEND_RATE": "10000", "RTS_SEND_BURST": "10000", "RTS_FRAME_RATE": "10000", "RTS_FRAME_BURST": "10000",
                "RTS_REVIEW_TIMEOUT_MS": "600000",
                "RTS_MODERATION_DIR": repository.appendingPathComponent("config/moderation").path,
            ])
        defer { process.kill() }
        let target = FuzzRun.Target(port: process.port, maxFrameBytes: 65536, log: { process.log })
        return try await FuzzRun(target: target, seed: seed).run(iterations: iterations)
    }
}

/// One fuzz run: the cast, the known ids, the loop, and the checks afterwards.
final class FuzzRun {
    struct Target {
        let port: Int
        let maxFrameBytes: Int
        /// The server's output so far (empty in process).
        let log: @Sendable () -> String
    }

    struct Outcome {
        var violations: [String]
        var summary: String
    }

    /// A connected user that sends fuzzed frames (or, for the victim and observer, only receives).
    final class Participant {
        let user: String
        let org: String
        let role: String
        let scope: [String]
        var client: TestClient
        var closedBy: UInt16?
        /// `rate_limited` replies so far: more than 50 within 10 s may close with 4008.
        var rateLimited = 0

        init(user: String, org: String, role: String, scope: [String], client: TestClient) {
            self.user = user
            self.org = org
            self.role = role
            self.scope = scope
            self.client = client
        }
    }

    static let errorCodes: Set<String> = [
        "bad_request", "unauthorized", "forbidden", "not_found", "conflict", "too_large", "rate_limited",
        "message_blocked", "internal", "unavailable",
    ]
    static let pushTypes: Set<String> = [
        "message", "message.edited", "message.deleted", "reaction", "read", "typing", "presence", "kicked", "streak",
        "achievement", "leaderboard", "moderation", "moderation.review",
    ]
    /// The success reply of each request type (`subscribe` to the leaderboard answers `leaderboard`).
    static let successReplies: [String: Set<String>] = [
        "auth": ["hello"], "refresh": ["ok"], "room.create": ["room"], "direct.open": ["room"], "join": ["joined"],
        "leave": ["ok"], "send": ["ack"], "edit": ["ok"], "delete": ["ok"], "react": ["ok"], "read": ["ok"],
        "history": ["history"], "typing": ["ok"], "presence.set": ["ok"], "ping": ["pong"],
        "subscribe": ["ok", "leaderboard"], "unsubscribe": ["ok"], "moderate": ["ok"], "kick": ["ok"], "ban": ["ok"],
    ]
    static let requestTypes = successReplies.keys.sorted()
    static let heldText = "I want to kill myself"
    /// Child-safety signals, weak and strong, in three languages: from whoever the fuzzer picks, in a group or
    /// the 1:1 room, so the conversation window fills up (and must stay in its org and its pair).
    static let childSafetyTexts = [
        "how old are you?", "you're my favourite student", "don't tell your parents we talk", "are you home alone?",
        "בת כמה את?", "אל תספרי להורים", "كم عمرك؟", "لا تخبري امك", "send me more pics or i'll post the ones you sent",
    ]
    /// The longest valid room id: a direct room of two 128-character users (one more is too long).
    static let longestDirectRoom = "dm:128:" + String(repeating: "a", count: 128) + ":" + String(repeating: "b", count: 128)

    let target: Target
    let seed: UInt64
    var rng: SplitMix64
    let minter: TokenMinter
    let orgA = Fresh.id("fuzz")
    let orgB = Fresh.id("outsider")
    let orgC = Fresh.id("observer")
    let room = Fresh.id("algebra")
    var directRoom = ""
    var epoch = ""
    var actors: [Participant] = []
    var victim: Participant!
    var observer: Participant!
    var outsider: Participant!
    var deliveredIDs: [String] = []
    var heldIDs: [String] = []
    var clientMsgIDs: [String] = []
    var tokens: [String] = []
    /// seq → msg id of every message acked in the fuzzed room (each must be in history afterwards).
    var acked: [Int: String] = [:]
    /// Where each message id seen so far lives (`org/room`), to check what `reply_to` names.
    var homes: [String: String] = [:]
    private(set) var violations: [String] = []
    /// msg id acked per `user|client_msg_id` in the fuzzed room (idempotency: a repeat gets the same id).
    var idempotent: [String: String] = [:]
    var closes: [UInt16: Int] = [:]
    var replies: [String: Int] = [:]
    var serverDown = false

    init(target: Target, seed: UInt64) throws {
        self.target = target
        self.seed = seed
        self.rng = SplitMix64(seed: seed)
        self.minter = try TokenMinter(hmacSecret: TestServer.secret)
    }

    func run(iterations: Int) async throws -> Outcome {
        try await setUp()
        var sent = 0
        for frame in knownBadFrames() where !serverDown {
            try await exchange(frame.text, from: frame.sender, acceptable: "moderate", id: "k\(sent)")
            sent += 1
        }
        try await fuzzBeforeAuth(connections: 30)
        for iteration in 0..<iterations where !serverDown {
            try await fuzzOnce(iteration)
            sent += 1
        }
        try await fuzzPipelinedSends(bursts: 20)
        if !serverDown { try await checkAfterwards() }
        let summary = "\(sent) fuzzed frames; replies \(replies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")); "
            + "closes \(closes); \(acked.count) acked messages, \(heldIDs.count) held; \(violations.count) violations"
        return Outcome(violations: violations, summary: summary)
    }

    // MARK: Cast

    private func connect(_ user: String, org: String, role: String, scope: [String] = []) async throws -> Participant {
        let token = try await minter.mint(sub: user, org: org, role: role, scope: scope, ttlSeconds: 3600)
        return Participant(user: user, org: org, role: role, scope: scope, client: try await authed(token: token, label: "\(user)@\(org)"))
    }

    private func authed(token: String, label: String) async throws -> TestClient {
        let client = try await TestClient.connect(port: target.port, label: label)
        try await client.send(json: ["type": "auth", "id": "auth", "token": token])
        let hello = try await client.next()
        guard hello.type == "hello" else { throw ConformanceError("\(label): expected hello, got \(hello)") }
        return client
    }

    private func setUp() async throws {
        let admin = try await connect("ada", org: orgA, role: "admin")
        let mentor = try await connect("mona", org: orgA, role: "mentor")
        let student = try await connect("sam", org: orgA, role: "student")
        let guest = try await connect("gus", org: orgA, role: "guest")
        let bot = try await connect("modbot", org: orgA, role: "mentor", scope: ["moderation"])
        victim = try await connect("vic", org: orgA, role: "student")
        outsider = try await connect("outsider-oscar", org: orgB, role: "admin")
        observer = try await connect("olga", org: orgC, role: "admin", scope: ["moderation"])
        actors = [admin, mentor, student, guest, bot, outsider]

        try await mentor.client.createRoom(room, visibility: "org", members: ["sam", "vic"])
        epoch = try await mentor.client.join(room)["epoch"]?.string ?? ""
        for actor in [admin, student, guest, bot, victim!] { try await actor.client.join(room) }
        try await bot.client.require("ok", ["type": "subscribe", "topic": "moderation"])
        directRoom = try await student.client.require("room", ["type": "direct.open", "user": "mona"])["room"]?["id"]?.string ?? ""

        // The observer: a same-named room in its own org, subscribed to everything it can see.
        try await observer.client.createRoom(room, visibility: "org")
        try await observer.client.join(room)
        try await observer.client.require("ok", ["type": "subscribe", "topic": "moderation"])
        try await observer.client.require("leaderboard", ["type": "subscribe", "topic": "leaderboard", "period": "week"])

        for n in 1...3 { record(try await student.client.say("question \(n) about fractions", in: room), room: room) }
        for n in 1...2 { record(try await mentor.client.say("answer \(n): find a common denominator", in: room), room: room) }
        record(try await student.client.say(Self.heldText, in: room), room: room)
        guard !heldIDs.isEmpty else { throw ConformanceError("setup: '\(Self.heldText)' was not held") }
        _ = try await bot.client.next(type: "moderation.review")

        for actor in actors + [victim!] {
            tokens.append(try await minter.mint(sub: actor.user, org: actor.org, role: actor.role, scope: actor.scope, ttlSeconds: 3600))
        }
        tokens.append(try await minter.mint(sub: "ada", org: orgA, role: "admin", ttlSeconds: 60, now: Date(timeIntervalSinceNow: -7200)))
        tokens.append("not.a.token")
        for actor in actors + [victim!, observer!] { await actor.client.drain() }
    }

    /// Each distinct violation once (every member of a room sees the same bad push).
    private func report(_ violation: String) {
        if !violations.contains(violation) { violations.append(violation) }
    }

    private func record(_ ack: JSON, room sentTo: String) {
        guard ack.type == "ack", let id = ack["msg_id"]?.string else { return }
        if ack["status"]?.string == "held" {
            if !heldIDs.contains(id) { heldIDs.append(id) }
            return
        }
        guard sentTo == room, let seq = ack["seq"]?.int else { return }
        homes[id] = "\(orgA)/\(room)"
        if !deliveredIDs.contains(id) { deliveredIDs.append(id) }
        if let earlier = acked[seq], earlier != id {
            report("seq \(seq) acked for two messages: \(earlier) and \(id)")
        }
        acked[seq] = id
    }

    // MARK: Frames

    /// A valid value for `field` of a request of `type`, using ids that exist.
    private func validValue(_ field: String, of type: String, iteration: Int) -> RawJSON {
        let knownUsers = ["ada", "mona", "sam", "gus", "modbot", "vic"]
        switch field {
        case "room":
            if type == "room.create" { return .string(rng.chance(0.85) ? "fz-\(seed)-\(iteration)" : rng.pick([room, Self.longestDirectRoom])) }
            return .string(rng.chance(0.85) ? room : rng.pick([directRoom, "dm:3:ada:sam", "no-such-room", Self.longestDirectRoom, Self.longestDirectRoom + "x"]))
        case "title": return .string("Fuzz room \(iteration)")
        case "visibility": return .string(rng.pick(["org", "private"]))
        case "members":
            let choices: [[RawJSON]] = [[], [.string("sam")], [.string("sam"), .string("vic")], [.string("nobody")]]
            return .array(rng.pick(choices))
        case "user":
            if type == "kick" || type == "ban" { return .string(rng.chance(0.7) ? "vic" : rng.pick(["nobody", "outsider-oscar"])) }
            return .string(rng.pick(knownUsers + ["nobody", "outsider-oscar"]))
        case "since", "before", "seq":
            return .int(Int64.random(in: 0...Int64(acked.count + 3), using: &rng))
        case "limit": return .int(Int64.random(in: 1...100, using: &rng))
        case "epoch": return .string(rng.chance(0.8) ? epoch : "stale-epoch")
        case "text":
            if rng.chance(0.08) { return .string("\(Self.heldText) \(iteration)") }
            if rng.chance(0.08) { return .string(rng.pick(Self.childSafetyTexts) + " \(iteration)") }
            return .string(rng.pick(["is 3/4 bigger than 2/3?", "thanks!", "write to dana@example.com", "see page \(iteration)", "שאלה \(iteration)"]))
        case "client_msg_id":
            if !clientMsgIDs.isEmpty, rng.chance(0.15) { return .string(rng.pick(clientMsgIDs)) }
            let id = "c\(iteration)"
            clientMsgIDs.append(id)
            return .string(id)
        case "msg_id", "reply_to":
            if type == "moderate", !heldIDs.isEmpty, rng.chance(0.6) { return .string(rng.pick(heldIDs)) }
            if rng.chance(0.1) { return .string("m-unknown") }
            if !heldIDs.isEmpty, rng.chance(0.15) { return .string(rng.pick(heldIDs)) }
            return .string(rng.pick(deliveredIDs))
        case "emoji": return .string(rng.pick(["helpful", "👍", "🎉"]))
        case "on": return .bool(rng.chance(0.7))
        case "status": return .string(rng.pick(["online", "away"]))
        case "topic": return .string(rng.pick(["leaderboard", "moderation"]))
        case "period": return .string(rng.pick(["week", "all"]))
        case "action": return .string(rng.pick(["approve", "reject", "delete", "mute", "mute"]))
        case "duration_ms": return .int(rng.pick([1, 60_000, 3_600_000]))
        case "reason": return .string("fuzz \(iteration)")
        case "token": return .string(rng.pick(tokens))
        default: return .null
        }
    }

    /// Required fields, then optional ones, per request type (docs/protocol.md).
    private static let fields: [String: (required: [String], optional: [String])] = [
        "auth": (["token"], []), "refresh": (["token"], []),
        "room.create": (["room"], ["title", "visibility", "members"]), "direct.open": (["user"], []),
        "join": (["room"], ["since", "epoch"]), "leave": (["room"], []),
        "send": (["room", "text", "client_msg_id"], ["reply_to"]), "edit": (["room", "msg_id", "text"], []),
        "delete": (["room", "msg_id"], []), "react": (["room", "msg_id", "emoji", "on"], []),
        "read": (["room", "seq"], []), "history": (["room"], ["before", "limit"]), "typing": (["room", "on"], []),
        "presence.set": (["status"], []), "ping": ([], []), "subscribe": (["topic"], ["period", "room"]),
        "unsubscribe": (["topic"], ["period", "room"]), "moderate": (["room", "msg_id", "action"], ["duration_ms", "reason"]),
        "kick": (["room", "user"], []), "ban": (["user"], ["on"]),
    ]
    private static let numericFields: Set<String> = ["since", "before", "seq", "limit", "duration_ms"]

    /// A request of `type` with valid ids, then 0–3 fields replaced by extreme values, dropped or doubled;
    /// now and then the whole frame is something else. The `id` stays valid so the reply can be matched.
    /// Returns the text and the request type whose success reply is acceptable.
    private func frame(_ type: String, id: String, iteration: Int) -> (text: String, type: String) {
        let spec = Self.fields[type] ?? (required: [], optional: [])
        var members: [(String, RawJSON)] = [("type", .string(type)), ("id", .string(id))]
        for field in spec.required { members.append((field, validValue(field, of: type, iteration: iteration))) }
        for field in spec.optional where rng.chance(0.5) { members.append((field, validValue(field, of: type, iteration: iteration))) }
        if type == "moderate", rng.chance(0.4) {
            members.removeAll { $0.0 == "action" || $0.0 == "duration_ms" }
            members += [("action", .string("mute")), ("duration_ms", .raw(rng.pick(ExtremeValues.numbers)))]
        }
        let mutations = rng.chance(0.3) ? 0 : rng.chance(0.7) ? 1 : Int.random(in: 2...3, using: &rng)
        for _ in 0..<mutations {
            let roll = Double.random(in: 0..<1, using: &rng)
            if roll < 0.03 { return (rng.pick(Self.wholeFrames(id: id)), "ping") }
            if roll < 0.06 { members[0].1 = ExtremeValues.any(numeric: false, using: &rng); continue }
            if roll < 0.07 { return (RawJSON.object(members + [("pad", ExtremeValues.oversized(target.maxFrameBytes))]).text, type) }
            guard members.count > 2 else {
                members.append(("extra", ExtremeValues.any(numeric: false, using: &rng)))
                continue
            }
            let index = Int.random(in: 2..<members.count, using: &rng)
            let name = members[index].0
            if roll < 0.16 {
                members.remove(at: index)
            } else if roll < 0.22 {
                members.append((name, ExtremeValues.any(numeric: Self.numericFields.contains(name), using: &rng)))
            } else {
                members[index].1 = ExtremeValues.any(numeric: Self.numericFields.contains(name), using: &rng)
            }
        }
        return (RawJSON.object(members).text, type)
    }

    /// Frames that are not a request object at all.
    private static func wholeFrames(id: String) -> [String] {
        [
            "", "null", "[]", "42", "\"send\"", "{}", "{\"id\":\"\(id)\"}", "{\"type\":\"send\"", "{\"type\":\"ping\",\"id\":\"\(id)\"}garbage",
            "{\"type\":\"\\ud800\",\"id\":\"\(id)\"}", "{\"type\":\"ping\",\"id\":\"\(id)\",\"type\":\"send\"}",
            ExtremeValues.nested(depth: 20_000, objects: false).text, ExtremeValues.nested(depth: 10_000, objects: true).text,
            "{\"type\":\"ping\",\"id\":\"\(id)\",\"x\":\(ExtremeValues.nested(depth: 20_000, objects: false).text)}",
        ]
    }

    // MARK: Loop

    private func pickActor(for type: String) -> Participant {
        let bot = actors[4], admin = actors[0], mentor = actors[1]
        switch type {
        case "moderate" where rng.chance(0.6): return bot
        case "kick", "ban": return rng.chance(0.7) ? rng.pick([admin, mentor]) : rng.pick(actors)
        default: return rng.pick(actors)
        }
    }

    /// Frames that took the server down before (issue 11), sent first in every run.
    private func knownBadFrames() -> [(text: String, sender: Participant)] {
        let bot = actors[4]
        return [
            "{\"type\":\"moderate\",\"id\":\"k0\",\"room\":\"\(room)\",\"msg_id\":\"\(heldIDs[0])\",\"action\":\"mute\",\"duration_ms\":9223372036854775000}",
        ].map { ($0, bot) }
    }

    /// Frames before `auth`: each fresh connection gets a seeded burst (1 to 150 frames, written without
    /// waiting) of fuzzed requests as its first frames. The contract allows only `hello` (when the first
    /// frame happens to be a valid `auth`) or a close: 4001, or 1009 for an oversized frame.
    private func fuzzBeforeAuth(connections: Int) async throws {
        for connection in 0..<connections where !serverDown {
            let client = try await TestClient.connect(port: target.port, label: "preauth\(connection)")
            let burst = 1 + Int(rng.next() % 150)
            var first = ""
            for n in 0..<burst {
                let type = rng.pick(Self.requestTypes)
                let text = frame(type, id: "p\(connection).\(n)", iteration: n).text
                if n == 0 { first = text }
                do { try await client.sendRaw(text) } catch { break }
            }
            let reply = try? await client.next(timeout: .seconds(3))
            if reply?.type == "hello" {
                await client.close()
                continue
            }
            let code = try? await client.closeCode(timeout: .seconds(3))
            closes[code ?? 0, default: 0] += 1
            if ![4001, 1009].contains(code ?? 0) {
                report("before auth, a burst of \(burst) frames starting with \(first.prefix(200)) ended with \(reply.map { "\($0)" } ?? "no frame"), close \(code.map(String.init) ?? "none")")
            }
            if await !isServing() { serverDown = true; report("the server stopped serving after a burst before auth") }
        }
    }

    private func fuzzOnce(_ iteration: Int) async throws {
        let type = rng.chance(0.97) ? rng.pick(Self.requestTypes) : rng.pick(["shout", "SEND", "", "room.delete"])
        let (text, acceptable) = frame(type, id: "f\(iteration)", iteration: iteration)
        try await exchange(text, from: pickActor(for: type), acceptable: acceptable, id: "f\(iteration)")
    }

    /// Bursts of frames written back to back, mostly (fuzzed) sends, which the server pipelines,
    /// then a ping: every reply must be acceptable and come in request order, the pong last.
    private func fuzzPipelinedSends(bursts: Int) async throws {
        for burst in 0..<bursts where !serverDown {
            let actor = pickActor(for: "send")
            var requests: [(id: String, text: String, acceptable: String)] = []
            var written = true
            for n in 0..<(2 + Int(rng.next() % 19)) where written {
                let id = "b\(burst).\(n)"
                // Iterations past the main loop's, so ids and client_msg_ids are new as they are there.
                let (text, acceptable) = frame(rng.chance(0.85) ? "send" : rng.pick(Self.requestTypes), id: id, iteration: 1_000_000 + burst * 100 + n)
                requests.append((id, text, acceptable))
                // A write fails once the server has closed the connection (1009 for an oversized frame
                // earlier in the burst): `recover` below checks that close.
                written = (try? await actor.client.sendRaw(text)) != nil
            }
            let pingID = "b\(burst).ping"
            let shown = "\(actor.user)@\(actor.role) sent a burst of \(requests.count) frames, the first \(requests[0].text.prefix(200))"
            guard written, (try? await actor.client.send(json: ["type": "ping", "id": pingID])) != nil else {
                try await recover(actor, frameBytes: requests.map(\.text.utf8.count).max() ?? 0, shown: shown)
                continue
            }
            let ids = Set(requests.map(\.id) + [pingID])
            var order: [String] = []
            while order.last != pingID {
                // A frame that is not JSON (or names no id) is answered by an error without `re`.
                guard let reply = try? await actor.client.next(timeout: .seconds(10), "reply", where: {
                    $0["re"]?.string.map(ids.contains) ?? ($0.type == "error")
                }) else { break }
                guard let re = reply["re"]?.string else { continue }
                order.append(re)
                if let request = requests.first(where: { $0.id == re }) {
                    check(reply: reply, to: request.acceptable, sent: JSON.parse(request.text), actor: actor, shown: shown)
                }
            }
            if order.last != pingID {
                try await recover(actor, frameBytes: requests.map(\.text.utf8.count).max() ?? 0, shown: shown)
                continue
            }
            let expected = requests.map(\.id).filter(order.contains) + [pingID]
            if order != expected { report("replies out of request order \(order) after: \(shown)") }
            for participant in actors + [victim!] {
                for frame in await participant.client.drain() { checkPush(frame, on: participant, after: shown) }
            }
        }
    }

    /// Sends one frame (its request id `id`) and a ping behind it, then checks the reply, every
    /// push anyone got meanwhile, and that nobody was closed without a documented reason.
    private func exchange(_ text: String, from actor: Participant, acceptable: String, id: String) async throws {
        let shown = "\(actor.user)@\(actor.role) sent \(text.count > 300 ? String(text.prefix(300)) + "…(\(text.utf8.count) bytes)" : text)"
        // A write fails when the server has just closed the connection (e.g. 1009 for an earlier
        // oversized frame): then no pong comes and `recover` checks the close below.
        try? await actor.client.sendRaw(text)
        try? await actor.client.send(json: ["type": "ping", "id": "p-\(id)"])

        let pong = try? await actor.client.next(timeout: .seconds(5), "pong") { $0["re"]?.string == "p-\(id)" }
        var reply: JSON? = nil
        if pong != nil {
            reply = try? await actor.client.next(timeout: .seconds(3), "reply") {
                $0["re"]?.string == id || ($0.type == "error" && $0["re"] == nil)
            }
            if reply == nil { report("no reply to the fuzzed frame (the ping was answered): \(shown)") }
        }
        if let reply { check(reply: reply, to: acceptable, sent: JSON.parse(text), actor: actor, shown: shown) }
        for frame in await actor.client.drain() { checkPush(frame, on: actor, after: shown) }
        for other in actors + [victim!] where other !== actor {
            for frame in await other.client.drain() { checkPush(frame, on: other, after: shown) }
        }
        if pong == nil { try await recover(actor, frameBytes: text.utf8.count, shown: shown) }
        if !serverDown, victim.closedBy == nil, await !victim.client.isOpen() {
            let code = try? await victim.client.closeCode(timeout: .seconds(1))
            victim.closedBy = code ?? 0
            if code != 4003 { report("the victim was closed with \(code.map(String.init) ?? "no close frame") after: \(shown)") }
        }
    }

    private func check(reply: JSON, to type: String, sent: JSON?, actor: Participant, shown: String) {
        let kind = reply.type ?? "<none>"
        replies[kind == "error" ? "error.\(reply["code"]?.string ?? "?")" : kind, default: 0] += 1
        if kind == "error" {
            if reply["code"]?.string == "rate_limited" { actor.rateLimited += 1 }
            if !Self.errorCodes.contains(reply["code"]?.string ?? "") || reply["message"]?.string == nil {
                report("malformed error \(reply) to: \(shown)")
            }
            if reply["code"]?.string == "internal" { report("internal error \(reply) to: \(shown)") }
            return
        }
        guard Self.successReplies[type]?.contains(kind) == true else {
            report("reply of type '\(kind)' \(reply) to: \(shown)")
            return
        }
        // Issue 11: every string and array field has a byte or count limit, far below these.
        let declared = Self.fields[type].map { $0.required + $0.optional } ?? []
        for (field, value) in sent?.object ?? [:] where declared.contains(field) {
            if let text = value.string, text.utf8.count > 10_000 { report("accepted a \(text.utf8.count)-byte '\(field)' (\(type) → \(kind)): no byte limit") }
            if let items = value.array, items.count > 1000 { report("accepted \(items.count) items in '\(field)' (\(type) → \(kind)): no count limit") }
        }
        if actor === outsider, containsOrgAData(reply) { report("org A data reached another org's admin: \(reply) after: \(shown)") }
        guard kind == "ack", actor.org == orgA, let sentTo = sent?["room"]?.string else { return }
        record(reply, room: sentTo)
        if sentTo == room, let clientMsgID = sent?["client_msg_id"]?.string, let id = reply["msg_id"]?.string {
            let key = "\(actor.user)|\(clientMsgID)"
            if let original = idempotent[key], original != id {
                report("a repeated client_msg_id made a second message (\(id), original \(original)) after: \(shown)")
            }
            idempotent[key] = idempotent[key] ?? id
        }
    }

    private func checkPush(_ frame: JSON, on actor: Participant, after shown: String) {
        let kind = frame.type ?? "<none>"
        if frame["re"] != nil || !Self.pushTypes.contains(kind) {
            report("\(actor.user) got an unexpected frame \(frame) after: \(shown)")
        }
        if actor.org == orgA, frame.description.contains("outsider-oscar") {
            report("\(actor.user) saw another org's user: \(frame) after: \(shown)")
        }
        if actor === outsider, containsOrgAData(frame) {
            report("org A data reached another org's admin: \(frame) after: \(shown)")
        }
        if kind == "moderation.review", let id = frame["msg"]?["id"]?.string, !heldIDs.contains(id) { heldIDs.append(id) }
        if kind == "moderation.review" {
            // Urgent exactly when child safety or self-harm leads the reasons.
            let leading = frame["reasons"]?[0]?.string
            let expected = leading == "sexual_minor_risk" || leading == "self_harm" ? "urgent" : "normal"
            if frame["priority"]?.string != expected { report("review priority is not \(expected): \(frame) after: \(shown)") }
        }
        if kind == "message", let room = frame["room"]?.string, let message = frame["msg"] {
            let home = "\(actor.org)/\(room)"
            if let id = message["id"]?.string { homes[id] = home }
            if let replyTo = message["reply_to"]?.string, homes[replyTo] != home, !heldIDs.contains(replyTo) {
                report("reply_to names \(homes[replyTo].map { "a message of \($0)" } ?? "no known message"), not one of \(home): \(frame)")
            }
        }
    }

    /// Message ids or texts of org A anywhere in `frame` except `reply_to` (checked on its own).
    private func containsOrgAData(_ frame: JSON) -> Bool {
        func strings(_ value: JSON, key: String?) -> [String] {
            switch value {
            case .string(let text): return key == "reply_to" ? [] : [text]
            case .array(let items): return items.flatMap { strings($0, key: key) }
            case .object(let fields): return fields.flatMap { strings($0.value, key: $0.key) }
            default: return []
            }
        }
        return strings(frame, key: nil).contains { text in deliveredIDs.contains(text) || text.contains("fractions") }
    }

    /// The actor's connection ended: acceptable only for a frame over `max_frame_bytes` (1009), or
    /// rate-limit abuse (4008) after more than 50 `rate_limited` replies.
    private func recover(_ actor: Participant, frameBytes: Int, shown: String) async throws {
        guard await isServing() else {
            serverDown = true
            // The crash report's head names the trap; its tail is registers.
            let log = target.log()
            let crash = log.range(of: "crashed:").map { String(log[$0.lowerBound...].prefix(2500)) } ?? String(log.suffix(1500))
            report("the server stopped serving after: \(shown)\(log.isEmpty ? "" : "\nserver output:\n" + crash)")
            return
        }
        // A write that failed means the server is closing the connection, but its close frame
        // (and replies it sent before) may still be on the way: wait for the end, not just look.
        guard let ending = try? await actor.client.closeInfo(timeout: .seconds(3)) else {
            report("no pong, and the connection still open 3 s later (wedged session) after: \(shown)")
            return
        }
        let code = ending.code
        closes[code ?? 0, default: 0] += 1
        let documented = (code == 1009 && frameBytes > target.maxFrameBytes) || (code == 4008 && actor.rateLimited > 50)
        if !documented {
            report("\(actor.user) was closed with \(code.map(String.init) ?? "no close frame") after: \(shown)")
        }
        let token = try await minter.mint(sub: actor.user, org: actor.org, role: actor.role, scope: actor.scope, ttlSeconds: 3600)
        actor.client = try await authed(token: token, label: "\(actor.user)@\(actor.org)")
        actor.rateLimited = 0
        _ = try? await actor.client.request(["type": "join", "room": room])
        if !actor.scope.isEmpty { _ = try? await actor.client.request(["type": "subscribe", "topic": "moderation"]) }
        await actor.client.drain()
    }

    private func isServing() async -> Bool {
        (try? await RawHTTP.get(port: target.port, path: "/readyz").status) == 200
    }

    // MARK: Afterwards

    private func checkAfterwards() async throws {
        if await !isServing() { report("/readyz is not 200 after the run") }

        // The room still accepts a send, from a member who never took part.
        let checker = try await connect("checker", org: orgA, role: "mentor")
        try await checker.client.join(room)
        let ack = try await checker.client.request(["type": "send", "room": room, "text": "all good after the fuzz", "client_msg_id": "after"])
        if ack.type != "ack" || ack["status"]?.string != "delivered" {
            report("the fuzzed room refused an ordinary send: \(ack)")
        }
        record(ack, room: room)

        // History: seqs 1…N without holes, holding every acked message.
        var seqs: [Int] = []
        var ids: [Int: String] = [:]
        var before: Int? = nil
        while true {
            var request: [String: Any] = ["type": "history", "room": room, "limit": 100]
            if let before { request["before"] = before }
            let page = try await checker.client.request(request)
            guard page.type == "history", let messages = page["messages"]?.array else {
                report("history after the fuzz failed: \(page)")
                break
            }
            for message in messages { if let seq = message.seq { ids[seq] = message["id"]?.string } }
            seqs = messages.compactMap(\.seq) + seqs
            guard page["has_more"]?.bool == true, let first = messages.first?.seq else { break }
            before = first
        }
        let last = ack.seq ?? seqs.last ?? 0
        if seqs != Array(1...max(last, 1)) {
            report("history of the fuzzed room is not seqs 1…\(last) without holes or doubles: \(seqs)")
        }
        for (seq, id) in acked.sorted(by: { $0.key < $1.key }) where ids[seq] != id {
            report("acked message \(id) (seq \(seq)) is not in history (found \(ids[seq] ?? "nothing"))")
        }

        // The observer in another org saw nothing at all.
        for frame in await observer.client.drain() { report("the observer in another org received \(frame)") }
        if await !observer.client.isOpen() { report("the observer in another org was disconnected") }
        let observed = try await observer.client.request(["type": "history", "room": room])
        if observed["messages"]?.array?.isEmpty != true { report("the observer's same-named room has messages: \(observed)") }
    }
}
