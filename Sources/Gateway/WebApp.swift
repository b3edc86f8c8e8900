import Foundation
import Logging
import Transport

/// The web app (`web_dir`), served at `/app`: its files are read once at start, so a request is a
/// dictionary lookup on the transport thread. Its Content-Security-Policy allows only the app's
/// own scripts, styles and the WebSocket on this origin (no inline code).
final class WebApp: Sendable {
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    static let root = "/app"
    /// Files larger than this are not served (the app is a few small files).
    private static let maxFileBytes = 4 << 20

    private let files: [String: HTTPResponse]

    /// Reads every file under `directory` (following symlinks, leaving out hidden files and `.md`).
    init(directory: String, logger: Logger) {
        let base = URL(fileURLWithPath: directory).resolvingSymlinksInPath()
        var files: [String: HTTPResponse] = [:]
        let names = (FileManager.default.enumerator(atPath: base.path)?.allObjects as? [String]) ?? []
        for name in names where !name.split(separator: "/").contains(where: { $0.hasPrefix(".") }) && !name.hasSuffix(".md") {
            let url = base.appendingPathComponent(name).resolvingSymlinksInPath()
            guard let data = FileManager.default.contents(atPath: url.path), data.count <= Self.maxFileBytes,
                  (try? url.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) != true
            else { continue }
            let headers = [(name: "Content-Security-Policy", value: Self.contentSecurityPolicy)]
            files["\(Self.root)/\(name)"] = HTTPResponse(status: 200, contentType: Self.contentType(of: name), body: Array(data), headers: headers)
        }
        if let index = files["\(Self.root)/index.html"] {
            files[Self.root] = index
            files["\(Self.root)/"] = index
        } else {
            logger.warning("web app not served: no index.html", metadata: ["web_dir": "\(directory)"])
        }
        self.files = files
    }

    func respond(path: String) -> HTTPResponse? { files[path] }

    private static func contentType(of name: String) -> String {
        switch (name as NSString).pathExtension.lowercased() {
        case "html": "text/html; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "ico": "image/x-icon"
        case "json", "webmanifest": "application/json"
        default: "text/plain; charset=utf-8"
        }
    }
}
