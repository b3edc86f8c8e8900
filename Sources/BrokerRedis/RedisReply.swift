import CHiredis

/// One reply, typed as Redis sent it (RESP2).
public enum RedisReply: Sendable, Equatable {
    case status(String)
    case error(String)
    case integer(Int64)
    case string([UInt8])
    case array([RedisReply])
    case null

    /// The text of a status or bulk-string reply (bulk strings decoded as UTF-8).
    public var text: String? {
        switch self {
        case .status(let text): return text
        case .string(let bytes): return String(decoding: bytes, as: UTF8.self)
        default: return nil
        }
    }

    public var isError: Bool { if case .error = self { true } else { false } }

    /// Copies a hiredis reply (which the caller still frees).
    init(_ reply: UnsafePointer<redisReply>) {
        let r = reply.pointee
        switch r.type {
        case REDIS_REPLY_STATUS: self = .status(Self.text(r))
        case REDIS_REPLY_ERROR: self = .error(Self.text(r))
        case REDIS_REPLY_INTEGER: self = .integer(Int64(r.integer))
        case REDIS_REPLY_STRING: self = .string(Self.bytes(r))
        case REDIS_REPLY_ARRAY:
            var items: [RedisReply] = []
            items.reserveCapacity(Int(r.elements))
            if let element = r.element {
                for index in 0..<Int(r.elements) {
                    if let item = element[index] { items.append(RedisReply(UnsafePointer(item))) } else { items.append(.null) }
                }
            }
            self = .array(items)
        default: self = .null
        }
    }

    private static func bytes(_ r: redisReply) -> [UInt8] {
        guard let str = r.str, r.len > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: str, count: Int(r.len)))
    }

    private static func text(_ r: redisReply) -> String {
        String(decoding: bytes(r), as: UTF8.self)
    }
}

/// Why a Redis operation did not produce a reply.
public enum RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The connection is down (reconnecting); the command was not sent.
    case disconnected(String)
    /// More commands are pending than the connection's bound.
    case queueFull
    /// The connection broke after the command was queued or sent; it may or may not have run.
    case connectionLost(String)
    /// The connection was stopped.
    case stopped
    /// The server answered with an error reply.
    case server(String)
    /// A reply of a shape the caller did not expect.
    case unexpectedReply(String)
    /// `start` could not reach the server in time.
    case unreachable(String)
    case invalidURL(String)

    public var description: String {
        switch self {
        case .disconnected(let why): "redis disconnected: \(why)"
        case .queueFull: "redis command queue full"
        case .connectionLost(let why): "redis connection lost: \(why)"
        case .stopped: "redis connection stopped"
        case .server(let message): "redis error: \(message)"
        case .unexpectedReply(let what): "unexpected redis reply: \(what)"
        case .unreachable(let message): message
        case .invalidURL(let message): "invalid redis url: \(message)"
        }
    }
}
