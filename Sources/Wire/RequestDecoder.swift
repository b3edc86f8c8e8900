import Foundation

/// A decoded client frame: its optional request `id` and the request.
public struct IncomingFrame: Sendable, Equatable {
    public var id: String?
    public var request: ClientRequest
}

/// Why a frame could not be decoded. `id` is the request id when it could still be read,
/// so the `bad_request` reply can carry `re`.
public struct FrameDecodingError: Error, Sendable, Equatable {
    public var id: String?
    public var message: String

    public init(id: String?, message: String) {
        self.id = id
        self.message = message
    }
}

/// Turns one text frame into a request with a single JSON parse, naming the exact field
/// that is missing or mistyped so clients get a useful `bad_request`.
public struct RequestDecoder: Sendable {
    public static let maxRequestIDLength = 64
    public static let maxClientMsgIDLength = 64
    public static let maxEmojiLength = 16
    public static let maxHistoryLimit = 100
    public static let defaultHistoryLimit = 50
    /// Bounds on what a client may make the server store, log or fan out (docs/protocol.md, Limits).
    public static let maxTokenBytes = 8192
    public static let maxTitleLength = 200
    public static let maxReasonLength = 500
    public static let maxEpochLength = 64
    public static let maxTopicLength = 64
    public static let maxRoomMembers = 1000
    /// Longest mute: a year. Longer values are refused rather than overflowing `now + duration`.
    public static let maxMuteMS: Int64 = 365 * 86_400_000

    public init() {}

    public func decode(_ bytes: [UInt8]) -> Result<IncomingFrame, FrameDecodingError> {
        let parsed: ParsedFrame
        do {
            parsed = try JSONDecoder().decode(ParsedFrame.self, from: Data(bytes))
        } catch {
            return .failure(FrameDecodingError(id: nil, message: "frame is not a JSON object"))
        }
        switch parsed.outcome {
        case .success(let request):
            return .success(IncomingFrame(id: parsed.id, request: request))
        case .failure(let error):
            return .failure(FrameDecodingError(id: parsed.id, message: error.message))
        }
    }
}

private struct FieldError: Error {
    var message: String
}

private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Decodes `id` and `type` first, then the fields of that type; field problems are kept as a
/// result instead of thrown, so the request id survives for the error reply.
private struct ParsedFrame: Decodable {
    var id: String?
    var outcome: Result<ClientRequest, FieldError>

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        let fields = Fields(container: container)
        do {
            let id = try fields.optionalString("id")
            if let id, id.isEmpty || id.count > RequestDecoder.maxRequestIDLength {
                throw FieldError(message: "field 'id' must be a string of 1 to \(RequestDecoder.maxRequestIDLength) characters")
            }
            self.id = id
        } catch let error as FieldError {
            id = nil
            outcome = .failure(error)
            return
        }
        do {
            outcome = .success(try Self.request(fields))
        } catch let error as FieldError {
            outcome = .failure(error)
        }
    }

    private static func request(_ f: Fields) throws -> ClientRequest {
        guard f.container.contains(AnyKey("type")) else { throw FieldError(message: "missing field 'type'") }
        let type = try f.string("type")
        switch type {
        case "auth": return .auth(token: try f.token())
        case "refresh": return .refresh(token: try f.token())
        case "room.create":
            let visibility = try f.optionalString("visibility") ?? Visibility.private.rawValue
            guard let parsed = Visibility(rawValue: visibility) else {
                throw FieldError(message: "field 'visibility' must be \"private\" or \"org\"")
            }
            // Not a direct room id (reserved), so the plain id rule.
            let room = try f.id("room")
            return .createRoom(.init(
                room: room, title: try f.optionalText("title", maxLength: RequestDecoder.maxTitleLength) ?? room, visibility: parsed,
                members: try f.optionalIDs("members", maxCount: RequestDecoder.maxRoomMembers) ?? []))
        case "direct.open": return .openDirect(user: try f.id("user"))
        case "join":
            return .join(
                room: try f.roomID("room"), since: try f.optionalSeq("since"),
                epoch: try f.optionalText("epoch", maxLength: RequestDecoder.maxEpochLength))
        case "leave": return .leave(room: try f.roomID("room"))
        case "send":
            let clientMsgID = try f.string("client_msg_id")
            guard !clientMsgID.isEmpty, clientMsgID.count <= RequestDecoder.maxClientMsgIDLength,
                  !clientMsgID.unicodeScalars.contains(where: Fields.isControl) else {
                throw FieldError(message: "field 'client_msg_id' must be 1 to \(RequestDecoder.maxClientMsgIDLength) characters, without control characters")
            }
            return .send(.init(room: try f.roomID("room"), text: try f.messageText(), clientMsgID: clientMsgID, replyTo: try f.optionalID("reply_to")))
        case "edit": return .edit(room: try f.roomID("room"), msgID: try f.id("msg_id"), text: try f.messageText())
        case "delete": return .delete(room: try f.roomID("room"), msgID: try f.id("msg_id"))
        case "react":
            let emoji = try f.string("emoji")
            guard !emoji.isEmpty, emoji.count <= RequestDecoder.maxEmojiLength, !emoji.unicodeScalars.contains(where: Fields.isControl) else {
                throw FieldError(message: "field 'emoji' must be 1 to \(RequestDecoder.maxEmojiLength) characters, without control characters")
            }
            return .react(room: try f.roomID("room"), msgID: try f.id("msg_id"), emoji: emoji, on: try f.bool("on"))
        case "read":
            guard let seq = try f.optionalSeq("seq") else { throw FieldError(message: "missing field 'seq'") }
            return .read(room: try f.roomID("room"), seq: seq)
        case "history":
            let limit = try f.optionalInt("limit") ?? RequestDecoder.defaultHistoryLimit
            guard limit >= 1 else { throw FieldError(message: "field 'limit' must be at least 1") }
            return .history(room: try f.roomID("room"), before: try f.optionalSeq("before"), limit: min(limit, RequestDecoder.maxHistoryLimit))
        case "typing": return .typing(room: try f.roomID("room"), on: try f.bool("on"))
        case "presence.set":
            let status = try f.string("status")
            guard status == "online" || status == "away", let parsed = PresenceStatus(rawValue: status) else {
                throw FieldError(message: "field 'status' must be \"online\" or \"away\"")
            }
            return .setPresence(parsed)
        case "ping": return .ping
        case "subscribe": return .subscribe(try subscription(f))
        case "unsubscribe": return .unsubscribe(try subscription(f))
        case "moderate":
            let action = try f.string("action")
            guard let decision = ModerationDecision(rawValue: action) else {
                throw FieldError(message: "field 'action' must be \"approve\", \"reject\", \"delete\" or \"mute\"")
            }
            let duration = try f.optionalSeq("duration_ms")
            if let duration, duration > RequestDecoder.maxMuteMS {
                throw FieldError(message: "field 'duration_ms' must be at most \(RequestDecoder.maxMuteMS) (a year)")
            }
            if decision == .mute, (duration ?? 0) <= 0 { throw FieldError(message: "mute needs a positive 'duration_ms'") }
            return .moderate(.init(
                room: try f.roomID("room"), msgID: try f.id("msg_id"), action: decision, durationMS: duration,
                reason: try f.optionalText("reason", maxLength: RequestDecoder.maxReasonLength)))
        case "kick": return .kick(room: try f.roomID("room"), user: try f.id("user"))
        case "ban": return .ban(user: try f.id("user"), banned: try f.optionalBool("on") ?? true)
        default:
            // Echo only a short type back: the reply must not grow with whatever the client sent.
            throw FieldError(message: type.count <= 32 ? "unknown type '\(type)'" : "unknown type")
        }
    }

    private static func subscription(_ f: Fields) throws -> ClientRequest.Subscription {
        .init(
            topic: try f.text("topic", maxLength: RequestDecoder.maxTopicLength),
            period: try f.optionalText("period", maxLength: RequestDecoder.maxTopicLength), room: try f.optionalRoomID("room"))
    }
}

/// Typed field access with contract-worded errors.
private struct Fields {
    let container: KeyedDecodingContainer<AnyKey>

    func string(_ name: String) throws -> String {
        guard let value = try optionalString(name) else { throw FieldError(message: "missing field '\(name)'") }
        return value
    }

    func optionalString(_ name: String) throws -> String? {
        try typed(name, "a string") { try container.decodeIfPresent(String.self, forKey: $0) }
    }

    /// A JWT: bounded, so a huge token is refused before any base64 or signature work.
    func token() throws -> String {
        let token = try string("token")
        guard token.utf8.count <= RequestDecoder.maxTokenBytes else {
            throw FieldError(message: "field 'token' must be at most \(RequestDecoder.maxTokenBytes) bytes")
        }
        return token
    }

    /// Free text the server stores or shows others (titles, reasons): bounded, no control characters.
    func text(_ name: String, maxLength: Int) throws -> String {
        guard let value = try optionalText(name, maxLength: maxLength) else { throw FieldError(message: "missing field '\(name)'") }
        return value
    }

    func optionalText(_ name: String, maxLength: Int) throws -> String? {
        guard let value = try optionalString(name) else { return nil }
        guard value.unicodeScalars.count <= maxLength, !value.unicodeScalars.contains(where: Self.isControl) else {
            throw FieldError(message: "field '\(name)' must be at most \(maxLength) characters, without control characters")
        }
        return value
    }

    /// A message's text: line breaks and tabs are text; other control characters (NUL, escape
    /// sequences) are not, and a store could not keep them as they came.
    func messageText() throws -> String {
        let value = try string("text")
        guard !value.unicodeScalars.contains(where: { Self.isControl($0) && !Self.isLayout($0) }) else {
            throw FieldError(message: "field 'text' must not contain control characters other than tab and line breaks")
        }
        return value
    }

    private static func isLayout(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\t" || scalar == "\n" || scalar == "\r"
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .control
    }

    func id(_ name: String, isValid: (String) -> Bool = Identifier.isValid) throws -> String {
        let value = try string(name)
        guard isValid(value) else { throw FieldError(message: "field '\(name)' is not a valid id") }
        return value
    }

    func optionalID(_ name: String, isValid: (String) -> Bool = Identifier.isValid) throws -> String? {
        guard container.contains(AnyKey(name)) else { return nil }
        return try id(name, isValid: isValid)
    }

    /// Room ids may be a direct room's (longer: see `Identifier.isValidRoom`).
    func roomID(_ name: String) throws -> String { try id(name, isValid: Identifier.isValidRoom) }

    func optionalRoomID(_ name: String) throws -> String? { try optionalID(name, isValid: Identifier.isValidRoom) }

    func optionalIDs(_ name: String, maxCount: Int) throws -> [String]? {
        guard let values = try typed(name, "an array of strings", { try container.decodeIfPresent([String].self, forKey: $0) }) else {
            return nil
        }
        guard values.count <= maxCount else { throw FieldError(message: "field '\(name)' must hold at most \(maxCount) ids") }
        guard values.allSatisfy(Identifier.isValid) else { throw FieldError(message: "field '\(name)' holds an invalid id") }
        return values
    }

    func bool(_ name: String) throws -> Bool {
        guard let value = try optionalBool(name) else { throw FieldError(message: "missing field '\(name)'") }
        return value
    }

    func optionalBool(_ name: String) throws -> Bool? {
        try typed(name, "true or false") { try container.decodeIfPresent(Bool.self, forKey: $0) }
    }

    func optionalInt(_ name: String) throws -> Int? {
        try typed(name, "an integer") { try container.decodeIfPresent(Int.self, forKey: $0) }
    }

    /// A sequence number: a non-negative integer.
    func optionalSeq(_ name: String) throws -> Int64? {
        let value = try typed(name, "a non-negative integer") { try container.decodeIfPresent(Int64.self, forKey: $0) }
        if let value, value < 0 { throw FieldError(message: "field '\(name)' must be a non-negative integer") }
        return value
    }

    /// Treats an explicit JSON `null` like an absent field and turns type mismatches into one clear message.
    private func typed<T>(_ name: String, _ expected: String, _ decode: (AnyKey) throws -> T?) throws -> T? {
        let key = AnyKey(name)
        if (try? container.decodeNil(forKey: key)) == true { return nil }
        do {
            return try decode(key)
        } catch {
            throw FieldError(message: "field '\(name)' must be \(expected)")
        }
    }
}
