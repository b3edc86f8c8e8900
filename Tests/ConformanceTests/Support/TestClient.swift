import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOSSL
import Synchronization
import WSClient
import XCTest

/// How the server ended a connection: the close frame's code and reason (nil code: no close frame).
struct CloseInfo: Sendable, CustomStringConvertible {
    var code: UInt16?
    var reason: String?
    var error: String?

    var description: String { "close(code: \(code.map(String.init) ?? "none"), reason: \(reason ?? "-"))\(error.map { " error: \($0)" } ?? "")" }
}

struct ConformanceError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A WebSocket client built on hummingbird's WSClient (independent of the server's transport).
/// Frames are decoded into `JSON` and buffered; the `next` family takes from that buffer.
final class TestClient: Sendable {
    static let defaultTimeout: Duration = .seconds(3)

    let label: String
    private let frames: Mailbox<JSON>
    private let closes: Mailbox<CloseInfo>
    private let outbound: WebSocketOutboundWriter
    private let connection: Task<Void, Never>
    private let requestCounter = Mutex(0)
    /// The `hello` frame, when connected through `connectAuthed`.
    let hello = Mutex<JSON?>(nil)

    private init(
        label: String, outbound: WebSocketOutboundWriter, connection: Task<Void, Never>,
        frames: Mailbox<JSON>, closes: Mailbox<CloseInfo>
    ) {
        self.label = label
        self.frames = frames
        self.closes = closes
        self.outbound = outbound
        self.connection = connection
    }

    deinit { connection.cancel() }

    // MARK: Connecting

    /// Opens `ws://127.0.0.1:port/path`. `subprotocols` is sent as `Sec-WebSocket-Protocol` when given.
    /// Throws when the upgrade is refused (e.g. HTTP 403).
    /// `tls`: wss, trusting any certificate (the tests use a self-signed one).
    static func connect(
        port: Int, path: String = "/ws", subprotocols: [String]? = nil, tls: Bool = false, label: String = "client"
    ) async throws -> TestClient {
        var wsConfiguration = WebSocketClientConfiguration(maxFrameSize: 1 << 24, closeTimeout: .seconds(2))
        if let subprotocols {
            wsConfiguration.additionalHeaders[HTTPField.Name("Sec-WebSocket-Protocol")!] = subprotocols.joined(separator: ", ")
        }
        var logger = Logger(label: "conformance.\(label)")
        logger.logLevel = .critical
        let url = "\(tls ? "wss" : "ws")://127.0.0.1:\(port)\(path)"
        var tlsConfiguration: TLSConfiguration? = nil
        if tls {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            tlsConfiguration = configuration
            // SNI cannot carry an IP address.
            wsConfiguration.sniHostname = "localhost"
        }

        let inbox = Mailbox<JSON>()
        let ended = Mailbox<CloseInfo>()
        let (ready, readyContinuation) = AsyncStream<WebSocketOutboundWriter>.makeStream()
        let streamError = Mutex<String?>(nil)
        let task = Task {
            var info = CloseInfo()
            do {
                let frame = try await WebSocketClient.connect(
                    url: url, configuration: wsConfiguration, tlsConfiguration: tlsConfiguration, logger: logger
                ) { inbound, outbound, _ in
                    readyContinuation.yield(outbound)
                    readyContinuation.finish()
                    do {
                        for try await message in inbound.messages(maxSize: 1 << 24) {
                            switch message {
                            case .text(let text):
                                FrameLog.record(text, path: path)
                                await inbox.push(JSON.parse(text) ?? .object(["type": .string("<non-json>"), "raw": .string(text)]))
                            case .binary(let buffer):
                                await inbox.push(.object(["type": .string("<binary>"), "bytes": .int(Int64(buffer.readableBytes))]))
                            }
                        }
                    } catch {
                        streamError.withLock { $0 = "\(error)" }
                    }
                }
                if let frame {
                    info.code = UInt16(webSocketErrorCode: frame.closeCode)
                    info.reason = frame.reason
                }
                info.error = streamError.withLock { $0 }
            } catch {
                info.error = "\(error)"
            }
            readyContinuation.finish()
            await inbox.finish()
            await ended.push(info)
            await ended.finish()
        }
        var iterator = ready.makeAsyncIterator()
        guard let outbound = await iterator.next() else {
            let info = await ended.next(within: .seconds(5)) { _ in true }
            throw ConformanceError("WebSocket connect to \(url) failed: \(info?.error ?? "no upgrade")")
        }
        return TestClient(label: label, outbound: outbound, connection: task, frames: inbox, closes: ended)
    }

    // MARK: Sending

    func send(json object: [String: Any]) async throws {
        try await sendRaw(jsonText(object))
    }

    func sendRaw(_ text: String) async throws {
        try await outbound.write(.text(text))
    }

    func sendBinary(_ bytes: [UInt8]) async throws {
        try await outbound.write(.binary(ByteBuffer(bytes: bytes)))
    }

    /// One text message split into several WebSocket frames (first `text`, then continuations).
    func sendFragmented(_ parts: [String]) async throws {
        try await outbound.withTextMessageWriter { writer in
            for part in parts { try await writer(part) }
        }
    }

    /// A fresh request id.
    func nextID(_ prefix: String = "r") -> String {
        let n = requestCounter.withLock { value in
            value += 1
            return value
        }
        return "\(prefix)\(n)"
    }

    /// Sends `object` with a fresh `id` and returns the frame whose `re` is that id.
    @discardableResult
    func request(_ object: [String: Any], timeout: Duration = defaultTimeout) async throws -> JSON {
        var object = object
        let id = object["id"] as? String ?? nextID()
        object["id"] = id
        try await send(json: object)
        return try await next(timeout: timeout, "reply to \(object["type"] ?? "?") \(id)") { $0["re"]?.string == id }
    }

    /// A request that must succeed with a reply of `type` (e.g. `ok`, `joined`, `room`).
    @discardableResult
    func expectReply(_ type: String, to object: [String: Any], timeout: Duration = defaultTimeout,
                     file: StaticString = #filePath, line: UInt = #line) async throws -> JSON {
        let reply = try await request(object, timeout: timeout)
        XCTAssertEqual(reply.type, type, "\(label): \(object["type"] ?? "?") → \(reply)", file: file, line: line)
        return reply
    }

    /// A request that must fail with `error` of `code`.
    @discardableResult
    func expectError(_ code: String, to object: [String: Any], timeout: Duration = defaultTimeout,
                     file: StaticString = #filePath, line: UInt = #line) async throws -> JSON {
        let reply = try await request(object, timeout: timeout)
        XCTAssertEqual(reply.type, "error", "\(label): \(object["type"] ?? "?") should fail with \(code), got \(reply)", file: file, line: line)
        XCTAssertEqual(reply["code"]?.string, code, "\(label): \(object["type"] ?? "?") → \(reply)", file: file, line: line)
        return reply
    }

    // MARK: Receiving

    /// The next frame (in arrival order).
    func next(timeout: Duration = defaultTimeout) async throws -> JSON {
        try await next(timeout: timeout, "any frame") { _ in true }
    }

    /// The first frame of `type`; frames of other types stay buffered for later takes.
    func next(type: String, timeout: Duration = defaultTimeout) async throws -> JSON {
        try await next(timeout: timeout, "a '\(type)' frame") { $0.type == type }
    }

    /// The first frame matching `matches`; other frames stay buffered.
    func next(timeout: Duration = defaultTimeout, _ what: String = "a matching frame",
              where matches: @escaping @Sendable (JSON) -> Bool) async throws -> JSON {
        if let frame = await frames.next(within: timeout, where: matches) { return frame }
        let buffered = await frames.buffered()
        let closed = await frames.finished
        throw ConformanceError(
            "\(label): no \(what) within \(timeout)\(closed ? " (connection closed)" : ""); buffered: \(buffered.map(\.description).joined(separator: " | ").prefix(1500))")
    }

    /// Fails if a frame matching `matches` (default: any) arrives within `duration`.
    func expectNoMessage(within duration: Duration = .milliseconds(500), _ what: String = "frame",
                         file: StaticString = #filePath, line: UInt = #line,
                         where matches: @escaping @Sendable (JSON) -> Bool = { _ in true }) async {
        if let frame = await frames.next(within: duration, where: matches) {
            XCTFail("\(label): unexpected \(what): \(frame)", file: file, line: line)
        }
    }

    /// Frames received but not yet taken; `drain` also forgets them.
    func buffered() async -> [JSON] { await frames.buffered() }
    @discardableResult func drain() async -> [JSON] { await frames.drain() }

    // MARK: Closing

    /// Waits for the connection to end and returns the server's close code and reason.
    func closeInfo(timeout: Duration = defaultTimeout) async throws -> CloseInfo {
        guard let info = await closes.next(within: timeout, where: { _ in true }) else {
            throw ConformanceError("\(label): connection still open after \(timeout)")
        }
        // Keep it available for a second look.
        await closes.push(info)
        return info
    }

    /// The close code the server sent (nil: connection ended without a close frame).
    func closeCode(timeout: Duration = defaultTimeout) async throws -> UInt16? {
        try await closeInfo(timeout: timeout).code
    }

    /// True while the connection has not ended.
    func isOpen() async -> Bool { await !frames.finished }

    /// Normal close (1000), waiting briefly for the handshake to finish.
    func close() async {
        try? await outbound.close(.normalClosure, reason: nil)
        _ = try? await closeInfo(timeout: .seconds(2))
    }
}
