import Foundation

/// The files under config/moderation: `default.json`, `lists/*.json` (the default lists, e.g. one per
/// language) and `orgs/<org>.json` (per-org overrides). Read whole before anything is compiled.
struct PolicyDirectory: Sendable {
    struct File: Sendable {
        var path: String
        var contents: PolicyFile
    }

    var defaults: File
    var lists: [File]
    var orgs: [String: File]

    static let defaultFileName = "default.json"
    static let listKeys: Set<PolicyFile.CodingKeys> = [.block, .hold, .allow, .signals]

    static func read(_ directory: String) throws(PolicyFileError) -> PolicyDirectory {
        let root = URL(fileURLWithPath: directory)
        let defaults = try decode(root.appendingPathComponent(defaultFileName).path, allowed: Set(PolicyFile.CodingKeys.allCases))
        let lists = try jsonFiles(in: root.appendingPathComponent("lists")).map { path throws(PolicyFileError) in
            try decode(path, allowed: listKeys)
        }
        var orgs: [String: File] = [:]
        for path in try jsonFiles(in: root.appendingPathComponent("orgs")) {
            let org = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            orgs[org] = try decode(path, allowed: Set(PolicyFile.CodingKeys.allCases).subtracting([.model]))
        }
        return PolicyDirectory(defaults: defaults, lists: lists, orgs: orgs)
    }

    /// `.json` files directly in `directory`, sorted; none when the directory does not exist.
    private static func jsonFiles(in directory: URL) throws(PolicyFileError) -> [String] {
        guard FileManager.default.fileExists(atPath: directory.path) else { return [] }
        do {
            return try FileManager.default.contentsOfDirectory(atPath: directory.path)
                .filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }
                .sorted()
                .map { directory.appendingPathComponent($0).path }
        } catch {
            throw PolicyFileError(file: directory.path, message: "cannot list: \(error)")
        }
    }

    /// Decodes one file; keys it does not know are errors, so a typo does not silently do nothing.
    private static func decode(_ path: String, allowed: Set<PolicyFile.CodingKeys>) throws(PolicyFileError) -> File {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw PolicyFileError(file: path, message: "cannot read: \(error.localizedDescription)")
        }
        do {
            guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw PolicyFileError(file: path, message: "expected a JSON object")
            }
            let unknown = object.keys.filter { key in PolicyFile.CodingKeys(rawValue: key).map { !allowed.contains($0) } ?? true }
            guard unknown.isEmpty else {
                throw PolicyFileError(file: path, message: "unknown or misplaced keys: \(unknown.sorted().joined(separator: ", "))")
            }
            return File(path: path, contents: try JSONDecoder().decode(PolicyFile.self, from: data))
        } catch let error as PolicyFileError {
            throw error
        } catch let error as DecodingError {
            throw PolicyFileError(file: path, message: Self.describe(error))
        } catch {
            throw PolicyFileError(file: path, message: "not valid JSON: \(error.localizedDescription)")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context), .dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
