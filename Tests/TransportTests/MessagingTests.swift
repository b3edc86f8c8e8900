import NIOCore
import NIOWebSocket
import Outbound
import Transport
import WSClient
import XCTest

final class MessagingTests: XCTestCase {
    func testTextRoundTrip() async throws {
        let (server, delegate) = try makeServer()
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        let got = Box<[WebSocketMessage]>([])
        try await runClient("ws://127.0.0.1:\(server.port)/ws") { inbound, outbound, _ in
            try await outbound.write(.text("héllo"))
            var iterator = inbound.messages(maxSize: 1 << 16).makeAsyncIterator()
            if let message = try await iterator.next() { got.update { $0.append(message) } }
        }
        XCTAssertEqual(got.value, [.text("héllo")])
        XCTAssertEqual(delegate.received.map(\.isBinary), [false])
        XCTAssertEqual(delegate.received.first?.bytes, Array("héllo".utf8))
    }

    func testBinaryIsDeliveredAsBinary() async throws {
        let (server, delegate) = try makeServer()
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        let payload: [UInt8] = [0, 255, 1, 254, 0x80]
        let got = Box<[WebSocketMessage]>([])
        try await runClient("ws://127.0.0.1:\(server.port)/ws") { inbound, outbound, _ in
            try await outbound.write(.binary(ByteBuffer(bytes: payload)))
            var iterator = inbound.messages(maxSize: 1 << 16).makeAsyncIterator()
            if let message = try await iterator.next() { got.update { $0.append(message) } }
        }
        XCTAssertEqual(delegate.received, [.init(connectionID: delegate.received.first?.connectionID ?? 0, bytes: payload, isBinary: true)])
        XCTAssertEqual(got.value, [.binary(ByteBuffer(bytes: payload))])
    }

    func testFragmentedMessageIsReassembled() async throws {
        let (server, delegate) = try makeServer()
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        let big = String(repeating: "x", count: 5000)  // also crosses lws' receive buffer
        try await runClient("ws://127.0.0.1:\(server.port)/ws") { inbound, outbound, _ in
            try await outbound.withTextMessageWriter { write in
                try await write("part one, ")
                try await write(big)
                try await write(", end")
            }
            try await outbound.withBinaryMessageWriter { write in
                try await write(ByteBuffer(bytes: [1, 2]))
                try await write(ByteBuffer(bytes: [3]))
            }
            var iterator = inbound.messages(maxSize: 1 << 16).makeAsyncIterator()
            _ = try await iterator.next()
            _ = try await iterator.next()
        }
        XCTAssertEqual(delegate.received.count, 2)
        XCTAssertEqual(delegate.received.first?.bytes, Array("part one, \(big), end".utf8))
        XCTAssertEqual(delegate.received.first?.isBinary, false)
        XCTAssertEqual(delegate.received.last?.bytes, [1, 2, 3])
        XCTAssertEqual(delegate.received.last?.isBinary, true)
    }

    func testOversizeMessageClosesWith1009() async throws {
        let (server, delegate) = try makeServer { $0.maxFrameBytes = 1024 }
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        // Exactly at the limit is fine.
        let atLimit = Box<[WebSocketMessage]>([])
        try await runClient("ws://127.0.0.1:\(server.port)/ws") { inbound, outbound, _ in
            try await outbound.write(.text(String(repeating: "a", count: 1024)))
            var iterator = inbound.messages(maxSize: 1 << 16).makeAsyncIterator()
            if let message = try await iterator.next() { atLimit.update { $0.append(message) } }
        }
        XCTAssertEqual(atLimit.value.count, 1)

        // One frame over the limit.
        let single = try await runClient("ws://127.0.0.1:\(server.port)/ws") { inbound, outbound, _ in
            try await outbound.write(.text(String(repeating: "a", count: 4096)))
            _ = try await collectMessages(inbound)
        }
        XCTAssertEqual(single?.closeCode, closeCode(1009))

        // Small fragments that add up to more than the limit.
        let fragmented = try await runClient("ws://127.0.0.1:\(server.port)/ws") { inbound, outbound, _ in
            try? await outbound.withTextMessageWriter { write in
                for _ in 0..<8 { try await write(String(repeating: "b", count: 200)) }
            }
            _ = try await collectMessages(inbound)
        }
        XCTAssertEqual(fragmented?.closeCode, closeCode(1009))
        XCTAssertEqual(delegate.received.count, 1, "only the message at the limit was delivered")
        await eventually { delegate.closed.count == 3 }
    }

    func testInvalidUTF8TextClosesWith1007() async throws {
        let (server, delegate) = try makeServer()
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        let frame = try await runClient("ws://127.0.0.1:\(server.port)/ws") { inbound, outbound, _ in
            let invalid = ByteBuffer(bytes: [0x68, 0xC3, 0x28])
            try await outbound.write(.custom(WebSocketFrame(fin: true, opcode: .text, data: invalid)))
            _ = try await collectMessages(inbound)
        }
        XCTAssertEqual(frame?.closeCode, closeCode(1007))
        XCTAssertTrue(delegate.received.isEmpty)
    }

    func testSlowConsumerIsClosedWith4009() async throws {
        let (server, delegate) = try makeServer { $0.maxOutboundBytes = 256 * 1024 }
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        delegate.echo = false
        // A client that never reads: the kernel buffers fill up, then our queue does.
        let client = Task {
            try await runClient("ws://127.0.0.1:\(server.port)/ws") { _, _, _ in
                try await Task.sleep(for: .seconds(60))
            }
        }
        defer { client.cancel() }
        await eventually { delegate.opened.count == 1 }
        guard let connection = delegate.opened.first else { return }
        let chunk = SharedFrame([UInt8](repeating: 0x61, count: 64 * 1024))
        var refusedAt: Int?
        for i in 0..<4000 {
            if !connection.send(chunk) {
                refusedAt = i
                break
            }
            // Let the server drain what the socket takes, so only a peer that stopped reading
            // (full kernel buffers) makes the queue grow.
            for _ in 0..<20 where connection.queuedBytes > 0 {
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        let refused = try XCTUnwrap(refusedAt, "send never refused")
        XCTAssertGreaterThan(refused, 8, "the socket took frames until the peer's buffers were full")
        XCTAssertFalse(connection.send(chunk), "a closing connection refuses frames")
        XCTAssertEqual(connection.queuedBytes, 0, "the queue was dropped")
        // The socket is full, so no WRITEABLE comes: the close timeout (5 s) drops the connection.
        await eventually(8) { delegate.closed == [connection.connectionID] }
    }

    func testBroadcastSharesOneFrameAcrossConnections() async throws {
        let (server, delegate) = try makeServer()
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        delegate.echo = false
        let clients = 20
        let received = Box(0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<clients {
                group.addTask {
                    try await runClient("ws://127.0.0.1:\(server.port)/ws") { inbound, _, _ in
                        var iterator = inbound.messages(maxSize: 1 << 16).makeAsyncIterator()
                        for _ in 0..<50 {
                            guard case .text = try await iterator.next() else { break }
                            received.update { $0 += 1 }
                        }
                    }
                }
            }
            await eventually { delegate.opened.count == clients }
            for i in 0..<50 {
                let frame = SharedFrame(text: "{\"type\":\"msg\",\"n\":\(i)}")
                for connection in delegate.opened { XCTAssertTrue(connection.send(frame)) }
            }
            try await group.waitForAll()
        }
        XCTAssertEqual(received.value, clients * 50)
    }

    /// Frames queued together go out batched in one write (FrameBatch): every length encoding,
    /// text and binary, must arrive whole and in order.
    func testQueuedFramesOfEverySizeArriveWholeAndInOrder() async throws {
        let (server, delegate) = try makeServer()
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        delegate.echo = false
        let sizes = [0, 1, 125, 126, 127, 1000, 65535, 65536, 70000, 20, 16 * 1024, 3]
        let frames = (0..<3).flatMap { round in
            sizes.enumerated().map { index, size in
                let isBinary = (round + index) % 2 == 1
                return SharedFrame(count: size, isBinary: isBinary) { bytes in
                    for offset in 0..<size { bytes[offset] = UInt8(ascii: "a") + UInt8((offset + index) % 26) }
                }
            }
        }
        let got = Box<[WebSocketMessage]>([])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await runClient("ws://127.0.0.1:\(server.port)/ws") { inbound, _, _ in
                    var iterator = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                    for _ in frames {
                        guard let message = try await iterator.next() else { break }
                        got.update { $0.append(message) }
                    }
                }
            }
            await eventually { delegate.opened.count == 1 }
            for frame in frames { XCTAssertTrue(delegate.opened[0].send(frame)) }
            try await group.waitForAll()
        }
        XCTAssertEqual(got.value.count, frames.count)
        for (message, frame) in zip(got.value, frames) {
            let expected = Array(frame.bytes)
            switch message {
            case .text(let text): XCTAssertTrue(!frame.isBinary && Array(text.utf8) == expected, "text frame of \(frame.count) bytes")
            case .binary(let buffer): XCTAssertTrue(frame.isBinary && Array(buffer.readableBytesView) == expected, "binary frame of \(frame.count) bytes")
            }
        }
    }
}
