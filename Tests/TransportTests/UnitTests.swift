import Outbound
import XCTest

@testable import Transport

final class InboundAssemblerTests: XCTestCase {
    private func feed(
        _ assembler: inout InboundAssembler, _ bytes: [UInt8], final: Bool, binary: Bool = false, remaining: Int = 0,
        limit: Int = 100
    ) -> InboundAssembler.Outcome {
        bytes.withUnsafeBytes {
            assembler.append($0, isFinal: final, isBinary: binary, remainingInFrame: remaining, limit: limit)
        }
    }

    func testWholeMessageInOneChunk() {
        var assembler = InboundAssembler()
        XCTAssertEqual(feed(&assembler, [1, 2, 3], final: true, binary: true), .message([1, 2, 3], isBinary: true))
        XCTAssertEqual(feed(&assembler, [], final: true), .message([], isBinary: false))
    }

    func testChunksAndFragmentsAreJoinedWithTheFirstChunksType() {
        var assembler = InboundAssembler()
        XCTAssertEqual(feed(&assembler, [1], final: false, binary: true, remaining: 1), .needMore)
        XCTAssertEqual(feed(&assembler, [2], final: false, binary: true), .needMore)
        XCTAssertEqual(feed(&assembler, [3], final: true, binary: false), .message([1, 2, 3], isBinary: true))
        // The next message starts clean.
        XCTAssertEqual(feed(&assembler, [9], final: true), .message([9], isBinary: false))
    }

    func testLimitCountsWhatTheFrameAnnounces() {
        var assembler = InboundAssembler()
        XCTAssertEqual(feed(&assembler, [1], final: false, remaining: 99, limit: 100), .needMore)
        XCTAssertEqual(feed(&assembler, Array(repeating: 0, count: 99), final: false, limit: 100), .needMore)
        XCTAssertEqual(feed(&assembler, [1], final: true, limit: 100), .tooLargeEnded, "101 bytes in all")
    }

    func testTheRestOfAnOversizeMessageIsDroppedBeforeTheClose() {
        var assembler = InboundAssembler()
        XCTAssertEqual(feed(&assembler, [1], final: false, remaining: 100, limit: 100), .tooLarge)
        XCTAssertTrue(assembler.isDiscardingWithinBound)
        XCTAssertEqual(feed(&assembler, Array(repeating: 0, count: 99), final: false, limit: 100), .needMore)
        XCTAssertEqual(feed(&assembler, [1], final: true, limit: 100), .tooLargeEnded)
        XCTAssertEqual(feed(&assembler, [9], final: true, limit: 100), .message([9], isBinary: false))
    }

    func testAHugeFrameIsNotReadToItsEnd() {
        var assembler = InboundAssembler()
        XCTAssertEqual(feed(&assembler, [1], final: false, remaining: InboundAssembler.maxDiscard + 200, limit: 100), .tooLarge)
        XCTAssertFalse(assembler.isDiscardingWithinBound)
    }
}

final class HandshakePolicyTests: XCTestCase {
    func testDecisions() {
        let open = HandshakePolicy(allowedOrigins: [], conformanceEcho: false)
        XCTAssertEqual(open.decide(path: "/ws", accepting: true, offeredProtocols: "", origin: nil), .accept(.app))
        XCTAssertEqual(open.decide(path: "/ws", accepting: true, offeredProtocols: "rts.v1", origin: nil), .accept(.app))
        XCTAssertEqual(
            open.decide(path: "/ws", accepting: true, offeredProtocols: " foo ,rts.v1", origin: "https://x"),
            .accept(.app))
        XCTAssertEqual(
            open.decide(path: "/ws", accepting: true, offeredProtocols: "foo, bar", origin: nil),
            .refuse(status: 403, reason: "subprotocol"))
        XCTAssertEqual(
            open.decide(path: "/ws", accepting: false, offeredProtocols: "", origin: nil),
            .refuse(status: 503, reason: "draining"))
        XCTAssertEqual(
            open.decide(path: "/echo", accepting: true, offeredProtocols: "", origin: nil),
            .refuse(status: 404, reason: "not_found"))
        XCTAssertEqual(
            open.decide(path: "/other", accepting: true, offeredProtocols: "", origin: nil),
            .refuse(status: 404, reason: "not_found"))
    }

    func testOrigins() {
        let policy = HandshakePolicy(allowedOrigins: ["https://App.example.com/"], conformanceEcho: true)
        XCTAssertEqual(
            policy.decide(path: "/ws", accepting: true, offeredProtocols: "", origin: "https://app.example.com"),
            .accept(.app))
        XCTAssertEqual(
            policy.decide(path: "/ws", accepting: true, offeredProtocols: "", origin: "https://app.example.com.evil"),
            .refuse(status: 403, reason: "origin"))
        XCTAssertEqual(policy.decide(path: "/ws", accepting: true, offeredProtocols: "", origin: nil), .accept(.app))
        XCTAssertEqual(
            policy.decide(path: "/echo", accepting: true, offeredProtocols: "", origin: "https://evil"), .accept(.echo))
    }
}

final class FrameQueueTests: XCTestCase {
    func testFIFOAndByteAccounting() {
        var state = OutboundState()
        XCTAssertTrue(state.schedule())
        XCTAssertFalse(state.schedule(), "one wake-up while scheduled")
        let frames = (0..<100).map { SharedFrame(text: "frame \($0)") }
        for frame in frames {
            state.frames.append(frame)
            state.queuedBytes += frame.count
        }
        for (index, frame) in frames.enumerated() {
            guard case .frame(let next, let more) = state.nextWrite() else { return XCTFail("expected a frame") }
            XCTAssertTrue(next === frame)
            XCTAssertEqual(more, index < frames.count - 1)
        }
        XCTAssertEqual(state.queuedBytes, 0)
        XCTAssertTrue(state.schedule(), "after the last frame a new send wakes the service thread again")
    }

    func testCloseComesAfterQueuedFrames() {
        var state = OutboundState()
        state.frames.append(SharedFrame(text: "a"))
        state.queuedBytes = 1
        state.close = CloseRequest(code: 4001, reason: "x", flush: true)
        guard case .frame(_, let more) = state.nextWrite() else { return XCTFail("expected a frame") }
        XCTAssertTrue(more)
        guard case .close(let request) = state.nextWrite() else { return XCTFail("expected the close") }
        XCTAssertEqual(request.code, 4001)
    }
}
