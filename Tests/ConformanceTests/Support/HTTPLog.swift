import Foundation

/// With `RTS_HTTP_LOG=<file>`, every `/v1/` exchange of this suite is appended to that file as one
/// JSON line (`method`, `path`, `status`, `body`) for `scripts/validate-openapi.py` to check against
/// `docs/openapi.yaml` (scripts/test.sh does).
enum HTTPLog {
    private static let descriptor: Int32? = ProcessInfo.processInfo.environment["RTS_HTTP_LOG"].flatMap { path in
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        return fd >= 0 ? fd : nil
    }

    private struct Entry: Encodable {
        var method: String
        var path: String
        var status: Int
        var contentType: String?
        var body: String

        enum CodingKeys: String, CodingKey {
            case method, path, status, body
            case contentType = "content_type"
        }
    }

    static func record(method: String, path: String, result: HTTPResult) {
        guard let descriptor, path.hasPrefix("/v1/") else { return }
        let entry = Entry(method: method, path: path, status: result.status, contentType: result.headers["content-type"], body: result.body)
        guard var line = try? JSONEncoder().encode(entry) else { return }
        line.append(UInt8(ascii: "\n"))
        _ = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }
}
