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
        var batch: [SharedFrame] = []
        for (index, frame) in frames.enumerated() {
            guard case .frames(let more) = state.nextWrite(into: &batch, budget: 1) else { return XCTFail("expected a frame") }
            XCTAssertEqual(batch.count, 1, "a budget smaller than any frame still moves one frame")
            XCTAssertTrue(batch[0] === frame)
            XCTAssertEqual(more, index < frames.count - 1)
            batch.removeAll()
        }
        XCTAssertEqual(state.queuedBytes, 0)
        XCTAssertTrue(state.schedule(), "after the last frame a new send wakes the service thread again")
    }

    func testBatchTakesFramesInOrderWithinTheBudget() {
        var state = OutboundState()
        let frames = (0..<10).map { _ in SharedFrame(count: 98) { $0.initializeMemory(as: UInt8.self, repeating: 0x61) } }
        for frame in frames {
            state.frames.append(frame)
            state.queuedBytes += frame.count
        }
        var batch: [SharedFrame] = []
        // 100 wire bytes per frame (2-byte header): 3 fit in 350.
        guard case .frames(let more) = state.nextWrite(into: &batch, budget: 350) else { return XCTFail("expected frames") }
        XCTAssertTrue(more)
        XCTAssertEqual(batch.count, 3)
        XCTAssertTrue(zip(batch, frames).allSatisfy { $0 === $1 })
        XCTAssertEqual(state.queuedBytes, 7 * 98)
        batch.removeAll()
        guard case .frames = state.nextWrite(into: &batch, budget: 10_000) else { return XCTFail("expected frames") }
        XCTAssertEqual(batch.count, 7)
        XCTAssertEqual(state.queuedBytes, 0)
    }

    func testCloseComesAfterQueuedFrames() {
        var state = OutboundState()
        state.frames.append(SharedFrame(text: "a"))
        state.queuedBytes = 1
        state.close = CloseRequest(code: 4001, reason: "x", flush: true)
        var batch: [SharedFrame] = []
        guard case .frames(let more) = state.nextWrite(into: &batch, budget: FrameBatch.budget) else { return XCTFail("expected a frame") }
        XCTAssertTrue(more)
        guard case .close(let request) = state.nextWrite(into: &batch, budget: FrameBatch.budget) else { return XCTFail("expected the close") }
        XCTAssertEqual(request.code, 4001)
    }
}

final class FrameHeaderTests: XCTestCase {
    private func header(payload: Int, isBinary: Bool = false) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: FrameHeader.maxSize)
        let size = bytes.withUnsafeMutableBytes { FrameHeader.write(payload: payload, isBinary: isBinary, to: $0.baseAddress!) }
        XCTAssertEqual(size, FrameHeader.size(payload: payload))
        return Array(bytes[..<size])
    }

    func testLengthEncodingsOfRFC6455() {
        XCTAssertEqual(header(payload: 0), [0x81, 0])
        XCTAssertEqual(header(payload: 125), [0x81, 125])
        XCTAssertEqual(header(payload: 126), [0x81, 126, 0, 126])
        XCTAssertEqual(header(payload: 65535, isBinary: true), [0x82, 126, 0xFF, 0xFF])
        XCTAssertEqual(header(payload: 65536), [0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0])
    }
}
