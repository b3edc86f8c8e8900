import Auth
import Foundation
import Transport

/// `GET /app/dev-token?sub=…&org=…&role=…[&name=…][&scope=moderation]`: a token signed with the
/// shipped development secret, for the web app's dev sign-in. It exists only while that secret is
/// in use, which the configuration allows on a loopback address only.
struct DevTokens: Sendable {
    static let path = "\(WebApp.root)/dev-token"
    let minter: TokenMinter

    func respond(query: String) async -> HTTPResponse {
        let items = URLComponents(string: "?" + query)?.queryItems ?? []
        func value(_ name: String) -> String? { items.first { $0.name == name }?.value.flatMap { $0.isEmpty ? nil : $0 } }
        guard let sub = value("sub"), let org = value("org"), let role = value("role") else {
            return HTTPResponse(status: 400, text: "sub, org and role are required\n")
        }
        let scope = value("scope").map { [$0] } ?? []
        do {
            let token = try await minter.mint(sub: sub, org: org, role: role, name: value("name"), scope: scope)
            return HTTPResponse(status: 200, text: token)
        } catch {
            return HTTPResponse(status: 400, text: "\(error.message)\n")
        }
    }
}
