import Foundation

/// Small protocol verbs shared by the tests. Each throws when the server answers with anything
/// but the expected reply, so a failing precondition stops the test with the frame in the message.
extension TestClient {
    /// A request whose reply must be of `type`.
    @discardableResult
    func require(_ type: String, _ object: [String: Any], timeout: Duration = defaultTimeout) async throws -> JSON {
        let reply = try await request(object, timeout: timeout)
        guard reply.type == type else {
            throw ConformanceError("\(label): \(object["type"] ?? "?") expected '\(type)', got \(reply)")
        }
        return reply
    }

    /// `room.create` → the room object.
    @discardableResult
    func createRoom(_ room: String, title: String? = nil, visibility: String = "private", members: [String] = []) async throws -> JSON {
        let reply = try await require("room", [
            "type": "room.create", "room": room, "title": title ?? "Room \(room)", "visibility": visibility, "members": members,
        ])
        return reply["room"] ?? .null
    }

    /// `join` → the whole `joined` reply.
    @discardableResult
    func join(_ room: String, since: Int? = nil, epoch: String? = nil) async throws -> JSON {
        var object: [String: Any] = ["type": "join", "room": room]
        if let since { object["since"] = since }
        if let epoch { object["epoch"] = epoch }
        return try await require("joined", object)
    }

    /// `send` → the `ack`.
    @discardableResult
    func say(_ text: String, in room: String, clientMsgID: String? = nil, replyTo: String? = nil) async throws -> JSON {
        var object: [String: Any] = ["type": "send", "room": room, "text": text, "client_msg_id": clientMsgID ?? UUID().uuidString]
        if let replyTo { object["reply_to"] = replyTo }
        return try await require("ack", object)
    }

    /// The next `message` push of `room` (optionally with a given seq).
    func nextMessage(in room: String, seq: Int? = nil, timeout: Duration = defaultTimeout) async throws -> JSON {
        try await next(timeout: timeout, "message push in \(room)\(seq.map { " seq \($0)" } ?? "")") { frame in
            frame.type == "message" && frame["room"]?.string == room && (seq == nil || frame["msg"]?["seq"]?.int == seq)
        }
    }

    /// The next push of `type` about `room`.
    func nextPush(_ type: String, in room: String, timeout: Duration = defaultTimeout,
                  where extra: @escaping @Sendable (JSON) -> Bool = { _ in true }) async throws -> JSON {
        try await next(timeout: timeout, "'\(type)' push in \(room)") { frame in
            frame.type == type && frame["room"]?.string == room && frame["re"] == nil && extra(frame)
        }
    }
}

extension JSON {
    /// `seq` of a message object or a `message` push.
    var seq: Int? { self["seq"]?.int ?? self["msg"]?["seq"]?.int }
}
