import BrokerRedis
import Foundation
import XCTest

final class RedisRateLimiterTests: XCTestCase {
    var server: RedisServer!

    override func setUpWithError() throws { server = try RedisServer() }
    override func tearDown() { server = nil }

    private func limiter() async -> RedisRateLimiter {
        let limiter = RedisRateLimiter(url: server.url, logger: testLogger("rl"), timeouts: quickTimeouts())
        limiter.start()
        _ = await eventually(.seconds(5)) { limiter.isConnected }
        return limiter
    }

    func testBurstThenRate() async throws {
        let limiter = await limiter()
        // 10 per second (one per 100 ms), burst 5.
        for index in 0..<5 {
            let wait = try await limiter.take(key: "send:acme:u1", rate: 10, burst: 5)
            XCTAssertNil(wait, "take \(index) of the burst")
        }
        guard let wait = try await limiter.take(key: "send:acme:u1", rate: 10, burst: 5) else { return XCTFail("6th take must wait") }
        XCTAssertGreaterThan(wait, 0)
        XCTAssertLessThanOrEqual(wait, 100)
        // Refused takes cost nothing: after the wait one more is allowed, then the next waits again.
        try await Task.sleep(for: .milliseconds(wait + 5))
        let refilled = try await limiter.take(key: "send:acme:u1", rate: 10, burst: 5)
        XCTAssertNil(refilled)
        let again = try await limiter.take(key: "send:acme:u1", rate: 10, burst: 5)
        XCTAssertNotNil(again)
        XCTAssertGreaterThan(again ?? 0, 50)
        // Another key has its own bucket.
        let other = try await limiter.take(key: "send:acme:u2", rate: 10, burst: 5)
        XCTAssertNil(other)
        await limiter.stop()
    }

    func testTakingSeveralTokensAtOnceIsAllOrNothing() async throws {
        let limiter = await limiter()
        // Burst 10 at 1/s: a lease of 4, another of 4, then 4 more do not fit but 2 do.
        let first = try await limiter.take(key: "lease", rate: 1, burst: 10, cost: 4)
        XCTAssertNil(first)
        let second = try await limiter.take(key: "lease", rate: 1, burst: 10, cost: 4)
        XCTAssertNil(second)
        guard let refused = try await limiter.take(key: "lease", rate: 1, burst: 10, cost: 4) else { return XCTFail("only 2 tokens are left") }
        // Two more tokens are missing: about 2 s at 1/s.
        XCTAssertGreaterThan(refused, 1_500)
        XCTAssertLessThanOrEqual(refused, 2_000)
        // The refusal took nothing: the 2 left are still there, one at a time.
        for index in 0..<2 {
            let single = try await limiter.take(key: "lease", rate: 1, burst: 10)
            XCTAssertNil(single, "single take \(index)")
        }
        let empty = try await limiter.take(key: "lease", rate: 1, burst: 10)
        XCTAssertNotNil(empty)
        await limiter.stop()
    }

    func testSustainedRateOverASecond() async throws {
        let limiter = await limiter()
        var allowed = 0
        let started = ContinuousClock.now
        while ContinuousClock.now - started < .seconds(1) {
            if try await limiter.take(key: "k", rate: 20, burst: 5) == nil { allowed += 1 }
            try await Task.sleep(for: .milliseconds(5))
        }
        // burst 5 plus 20/s for one second: 25, give or take scheduling.
        XCTAssertGreaterThanOrEqual(allowed, 22)
        XCTAssertLessThanOrEqual(allowed, 26)
        await limiter.stop()
    }

    func testTwoLimitersShareOneBucket() async throws {
        let one = await limiter()
        let two = await limiter()
        for _ in 0..<3 {
            let wait = try await one.take(key: "user:u9", rate: 1, burst: 5)
            XCTAssertNil(wait)
        }
        for _ in 0..<2 {
            let wait = try await two.take(key: "user:u9", rate: 1, burst: 5)
            XCTAssertNil(wait)
        }
        let fromTwo = try await two.take(key: "user:u9", rate: 1, burst: 5)
        let fromOne = try await one.take(key: "user:u9", rate: 1, burst: 5)
        XCTAssertNotNil(fromTwo)
        XCTAssertNotNil(fromOne)
        XCTAssertGreaterThan(fromOne ?? 0, 900)
        // The key expires once the bucket would be full again.
        let raw = RedisConnection(url: server.url, name: "raw", logger: testLogger("raw"))
        raw.start()
        _ = await eventually { raw.isConnected }
        let pttl = try await raw.command(["PTTL", "rts:rl:user:u9"])
        guard case .integer(let ttl) = pttl else { return XCTFail("no ttl") }
        XCTAssertGreaterThan(ttl, 4_000)
        XCTAssertLessThanOrEqual(ttl, 5_002)
        await raw.stop()
        await one.stop()
        await two.stop()
    }

    func testScriptCacheFlushFallsBackToEval() async throws {
        let limiter = await limiter()
        let first = try await limiter.take(key: "f", rate: 1, burst: 2)
        XCTAssertNil(first)
        let raw = RedisConnection(url: server.url, name: "raw", logger: testLogger("raw"))
        raw.start()
        _ = await eventually { raw.isConnected }
        try await expectReply(raw, ["SCRIPT", "FLUSH"], .status("OK"))
        let second = try await limiter.take(key: "f", rate: 1, burst: 2)
        XCTAssertNil(second)
        let third = try await limiter.take(key: "f", rate: 1, burst: 2)
        XCTAssertNotNil(third)
        await raw.stop()
        await limiter.stop()
    }

    func testRedisDownIsASignalToFallBack() async throws {
        let limiter = await limiter()
        let allowed = try await limiter.take(key: "d", rate: 1, burst: 1)
        XCTAssertNil(allowed)
        server.kill()
        _ = await eventually(.seconds(5)) { !limiter.isConnected }
        let started = ContinuousClock.now
        do {
            _ = try await limiter.take(key: "d", rate: 1, burst: 1)
            XCTFail("take must throw while Redis is down")
        } catch is RedisError {
            // The caller's cue to use its local bucket.
        }
        XCTAssertLessThan(ContinuousClock.now - started, .milliseconds(100))
        // A restarted (empty) Redis serves again, script cache reloaded on the way.
        try server.start()
        _ = await eventually(.seconds(5)) { limiter.isConnected }
        let afterRestart = try await limiter.take(key: "d", rate: 1, burst: 1)
        XCTAssertNil(afterRestart)
        await limiter.stop()
    }
}
