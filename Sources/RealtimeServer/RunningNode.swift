import Auth
import Configuration
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A running node's admin API, for commands that should act through a live server when there is
/// one (so sessions, leaderboards and pushes follow) rather than behind its back in the store.
struct RunningNode {
    let base: URL
    let token: String

    /// The node the configuration describes (loopback for a wildcard host), or `url` when given;
    /// the admin token is minted with the configured secret for `org`.
    init(config: ServerConfig, url: String?, org: String) async throws {
        let host = ["0.0.0.0", "::", "[::]"].contains(config.host) ? "127.0.0.1" : config.host
        let scheme = config.tlsCert == nil ? "http" : "https"
        guard let base = URL(string: url ?? "\(scheme)://\(host):\(config.port)") else { throw CommandFailure("'\(url ?? "")' is not a URL") }
        self.base = base
        token = try await TokenMinter(hmacSecret: config.jwtSecret).mint(sub: "operator", org: org, role: "admin", ttlSeconds: 300)
    }

    /// POSTs to `path`; nil when no server answers at `base` at all (connection refused).
    func post(_ path: String) async throws -> (status: Int, body: Data)? {
        var request = URLRequest(url: base.appendingPathComponent(path))
        request.httpMethod = "POST"
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.httpBody = Data()
        request.timeoutInterval = 30
        do {
            let (data, response) = try await URLSession.shared.data(for: request)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
        } catch let error as URLError where [.cannotConnectToHost, .cannotFindHost, .networkConnectionLost].contains(error.code) {
            return nil
        }
    }
}
