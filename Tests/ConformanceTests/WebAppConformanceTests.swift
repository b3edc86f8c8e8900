import Configuration
import Foundation
import XCTest

/// The web app at `/app` (static files of `web_dir`, a strict CSP) and the dev sign-in's tokens.
final class WebAppConformanceTests: XCTestCase {
    private func webDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rts-web-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("img"), withIntermediateDirectories: true)
        try Data("<!doctype html><title>app</title>".utf8).write(to: directory.appendingPathComponent("index.html"))
        try Data("export const x = 1;".utf8).write(to: directory.appendingPathComponent("app.js"))
        try Data("<svg/>".utf8).write(to: directory.appendingPathComponent("img/logo.svg"))
        try Data("notes".utf8).write(to: directory.appendingPathComponent("README.md"))
        try Data("secret".utf8).write(to: directory.appendingPathComponent(".env"))
        return directory
    }

    func testTheAppIsServedWithItsOwnStrictContentSecurityPolicy() async throws {
        let directory = try webDirectory()
        try await withServer({ $0.webDir = directory.path }) { server in
            for path in ["/app", "/app/", "/app/index.html"] {
                let page = try await RawHTTP.get(port: server.port, path: path)
                XCTAssertEqual(page.status, 200, path)
                XCTAssertEqual(page.headers["content-type"], "text/html; charset=utf-8", path)
                XCTAssertEqual(page.body, "<!doctype html><title>app</title>", path)
                let policy = try XCTUnwrap(page.headers["content-security-policy"], path)
                XCTAssertTrue(policy.contains("script-src 'self'") && policy.contains("connect-src 'self'") && policy.contains("default-src 'none'"), policy)
                XCTAssertFalse(policy.contains("unsafe-inline"), policy)
            }
            let script = try await RawHTTP.get(port: server.port, path: "/app/app.js")
            XCTAssertEqual(script.headers["content-type"], "text/javascript; charset=utf-8")
            let image = try await RawHTTP.get(port: server.port, path: "/app/img/logo.svg")
            XCTAssertEqual(image.headers["content-type"], "image/svg+xml")
            for hidden in ["/app/README.md", "/app/.env", "/app/../Package.swift", "/app/missing.js"] {
                let response = try await RawHTTP.get(port: server.port, path: hidden)
                XCTAssertEqual(response.status, 404, hidden)
                XCTAssertEqual(response.headers["content-security-policy"], "default-src 'none'; frame-ancestors 'none'", hidden)
            }
            let health = try await RawHTTP.get(port: server.port, path: "/healthz")
            XCTAssertEqual(health.headers["content-security-policy"], "default-src 'none'; frame-ancestors 'none'", "one policy elsewhere")
            let devToken = try await RawHTTP.get(port: server.port, path: "/app/dev-token?sub=u&org=o&role=student")
            XCTAssertEqual(devToken.status, 404, "no dev tokens unless the shipped development secret is in use")
        }
    }

    func testTheAppCanBeTurnedOff() async throws {
        let directory = try webDirectory()
        try await withServer({ $0.webDir = directory.path; $0.webApp = false }) { server in
            let page = try await RawHTTP.get(port: server.port, path: "/app/")
            XCTAssertEqual(page.status, 404)
        }
    }

    /// With the development secret (loopback only), the dev sign-in mints tokens that work.
    func testDevSignInMintsWorkingTokensOnlyWithTheDevelopmentSecret() async throws {
        try await withServer({ $0.jwtSecret = ServerConfig.developmentSecret }) { server in
            let minted = try await RawHTTP.get(port: server.port, path: "/app/dev-token?sub=dev-amy&org=dev-org&role=mentor&name=Amy&scope=moderation")
            XCTAssertEqual(minted.status, 200, minted.body)
            let client = try await server.connectAuthed(token: minted.body.trimmingCharacters(in: .whitespacesAndNewlines), label: "dev")
            let hello = client.hello.withLock { $0 }
            XCTAssertEqual(hello?["user"]?["id"]?.string, "dev-amy")
            XCTAssertEqual(hello?["user"]?["role"]?.string, "mentor")
            try await client.require("ok", ["type": "subscribe", "topic": "moderation"])

            let refused = try await RawHTTP.get(port: server.port, path: "/app/dev-token?sub=bad%20id&org=o&role=student")
            XCTAssertEqual(refused.status, 400)
            XCTAssertTrue(refused.body.contains("sub"), refused.body)
            let missing = try await RawHTTP.get(port: server.port, path: "/app/dev-token?sub=u")
            XCTAssertEqual(missing.status, 400)
        }
    }
}
