import Yams

/// Reads a YAML scenario file into `name → values` pairs. Sections are only for
/// readability (as in the server's config): keys are looked up by name at any depth.
public enum ScenarioFile {
    public static func pairs(fromYAML text: String) throws(SettingsError) -> [(name: String, values: [String])] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw SettingsError("scenario file is not valid YAML: \(error)")
        }
        guard let root else { return [] }
        guard case .mapping(let mapping) = root else { throw SettingsError("scenario file must be a mapping of settings") }
        var pairs: [(name: String, values: [String])] = []
        try collect(mapping, into: &pairs)
        return pairs
    }

    private static func collect(_ mapping: Node.Mapping, into pairs: inout [(name: String, values: [String])]) throws(SettingsError) {
        for (keyNode, valueNode) in mapping {
            guard let name = keyNode.string else { throw SettingsError("setting names must be strings") }
            switch valueNode {
            case .mapping(let section):
                try collect(section, into: &pairs)
            case .sequence(let items):
                var values: [String] = []
                for item in items {
                    guard let value = item.string else { throw SettingsError("\(name): list items must be scalars") }
                    values.append(value)
                }
                // A list is one value for list settings; join so the key's parser sees it whole.
                pairs.append((name, [values.joined(separator: ",")]))
            case .scalar(let scalar):
                pairs.append((name, [isNull(scalar) ? "" : scalar.string]))
            case .alias:
                throw SettingsError("\(name): aliases are not supported")
            }
        }
    }

    private static func isNull(_ scalar: Node.Scalar) -> Bool {
        scalar.style == .plain && ["~", "null", "Null", "NULL"].contains(scalar.string)
    }
}
