/// One line for `realtime-server moderate`: `{"action":"…","category":"…"|null,"urgent":false,"text":"…",
/// "reasons":[…],"scores":{"toxicity":p,…}}` (toxicity first, then by name).
public func verdictJSON(_ verdict: Verdict) -> String {
    var json = "{\"action\":\"\(verdict.action.rawValue)\",\"category\":"
    if let category = verdict.category { appendJSONString(category, to: &json) } else { json += "null" }
    json += ",\"urgent\":\(verdict.urgent),\"text\":"
    appendJSONString(verdict.text, to: &json)
    json += ",\"reasons\":["
    for (offset, reason) in verdict.reasons.enumerated() {
        if offset > 0 { json += "," }
        appendJSONString(reason, to: &json)
    }
    json += "],\"scores\":{"
    let names = verdict.scores.keys.sorted { ($0 == "toxicity" ? 0 : 1, $0) < ($1 == "toxicity" ? 0 : 1, $1) }
    for (offset, name) in names.enumerated() {
        if offset > 0 { json += "," }
        appendJSONString(name, to: &json)
        json += ":"
        let value = verdict.scores[name] ?? 0
        json += value.isFinite ? "\(value)" : "null"
    }
    json += "}}"
    return json
}

/// A JSON string literal; control characters and the JS line separators escaped, the rest as UTF-8.
private func appendJSONString(_ text: String, to json: inout String) {
    json += "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": json += "\\\""
        case "\\": json += "\\\\"
        case "\n": json += "\\n"
        case "\r": json += "\\r"
        case "\t": json += "\\t"
        case "\u{2028}", "\u{2029}": json += "\\u\(String(scalar.value, radix: 16))"
        default:
            if scalar.value < 0x20 {
                let hex = String(scalar.value, radix: 16)
                json += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                json.unicodeScalars.append(scalar)
            }
        }
    }
    json += "\""
}
