/// Where a setting's value came from, so errors can point at it.
enum Origin: Sendable, Equatable {
    case file(String)
    case environment(String)
}

/// One raw setting from a source, before conversion to its Swift type.
struct Field: Sendable {
    enum Value: Sendable, Equatable {
        /// YAML null or an empty environment variable: reset the key to its built-in default.
        case null
        case scalar(String)
        case list([String])
    }

    let key: String
    let value: Value
    let origin: Origin

    /// How the user refers to this value: `RTS_PORT`, or `port (in config/x.yaml)`.
    var label: String { Self.label(key: key, origin: origin) }

    static func label(key: String, origin: Origin?) -> String {
        switch origin {
        case .environment(let name)?: name
        case .file(let path)?: "\(key) (in \(path))"
        case nil: key
        }
    }

    func invalid(_ expectation: String) -> ConfigError {
        let shown: String
        switch value {
        case .null: shown = "null"
        case .scalar(let text): shown = Self.quoted(text)
        case .list(let items): shown = "[" + items.map(Self.quoted).joined(separator: ", ") + "]"
        }
        return ConfigError(key: key, "\(label) must be \(expectation), got \(shown)")
    }

    /// Bad values are echoed in errors, shortened so one long value cannot flood a log line.
    static func quoted(_ text: String) -> String {
        let limit = 60
        return "\"" + (text.count > limit ? text.prefix(limit) + "…" : text) + "\""
    }

    func scalar(_ expectation: String) throws(ConfigError) -> String {
        guard case .scalar(let text) = value else { throw invalid(expectation) }
        return text
    }

    func string() throws(ConfigError) -> String {
        try scalar("a string")
    }

    func int() throws(ConfigError) -> Int {
        let text = try scalar("an integer")
        // YAML allows digit separators (1_048_576); accept them from the environment too.
        guard let number = Int(text.trimmingSpaces().filter { $0 != "_" }) else { throw invalid("an integer") }
        return number
    }

    func double() throws(ConfigError) -> Double {
        let text = try scalar("a number")
        guard let number = Double(text.trimmingSpaces().filter { $0 != "_" }), number.isFinite else {
            throw invalid("a number")
        }
        return number
    }

    func bool() throws(ConfigError) -> Bool {
        let expectation = "a boolean (true/false/1/0)"
        switch try scalar(expectation).trimmingSpaces().lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw invalid(expectation)
        }
    }

    /// A YAML sequence, or a comma-separated string (how lists are written in the environment).
    func list() throws(ConfigError) -> [String] {
        switch value {
        case .null:
            return []
        case .list(let items):
            return items.map { $0.trimmingSpaces() }
        case .scalar(let text):
            return text.split(separator: ",").map { String($0).trimmingSpaces() }.filter { !$0.isEmpty }
        }
    }
}

extension String {
    func trimmingSpaces() -> String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}
