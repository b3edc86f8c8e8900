import Foundation
import Yams

/// Reads the config file into flat fields. Sections are only for readability: any mapping
/// whose key is not a setting is a section, so `limits: {max_text: 1}` and `max_text: 1` agree.
enum YAMLSource {
    static func fields(path: String) throws(ConfigError) -> [Field] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(key: nil, "cannot read config file \(path): \(error.localizedDescription)")
        }
        return try fields(yaml: text, path: path)
    }

    static func fields(yaml: String, path: String) throws(ConfigError) -> [Field] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigError(key: nil, "invalid YAML in \(path): \(error)")
        }
        guard let root, root.null == nil else { return [] }  // an empty file sets nothing
        guard case .mapping(let mapping) = root else {
            throw ConfigError(key: nil, "config file \(path) must be a mapping of keys to values")
        }
        var fields: [Field] = []
        var seen: [String: String] = [:]
        try collect(mapping, section: nil, path: path, into: &fields, seen: &seen)
        return fields
    }

    private static func collect(
        _ mapping: Node.Mapping, section: String?, path: String, into fields: inout [Field], seen: inout [String: String]
    ) throws(ConfigError) {
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let keyScalar) = keyNode else {
                throw ConfigError(key: nil, "config file \(path) has a non-string key\(where: section)")
            }
            let key = keyScalar.string
            let place = section.map { "\($0).\(key)" } ?? key
            if Settings.byKey[key] != nil {
                // Flattening must not let two sections silently fight over one key.
                if let earlier = seen[key] {
                    throw ConfigError(key: key, "config key \(key) is set twice in \(path) (\(earlier) and \(place))")
                }
                seen[key] = place
                fields.append(Field(key: key, value: try value(of: valueNode, key: key, path: path), origin: .file(path)))
            } else if case .mapping(let nested) = valueNode {
                try collect(nested, section: place, path: path, into: &fields, seen: &seen)
            } else if valueNode.null != nil {
                continue  // a section whose keys are all commented out
            } else {
                throw ConfigError(key: key, "unknown config key \(place) in \(path)")
            }
        }
    }

    private static func value(of node: Node, key: String, path: String) throws(ConfigError) -> Field.Value {
        switch node {
        case .scalar(let scalar):
            return node.null != nil ? .null : .scalar(scalar.string)
        case .sequence(let sequence):
            var items: [String] = []
            for item in sequence {
                guard case .scalar(let scalar) = item, item.null == nil else {
                    throw ConfigError(key: key, "\(key) (in \(path)) must be a list of strings")
                }
                items.append(scalar.string)
            }
            return .list(items)
        case .mapping, .alias:
            throw ConfigError(key: key, "\(key) (in \(path)) must be a single value, not a mapping")
        }
    }
}

private extension DefaultStringInterpolation {
    mutating func appendInterpolation(where section: String?) {
        if let section { appendLiteral(" in section \(section)") }
    }
}
