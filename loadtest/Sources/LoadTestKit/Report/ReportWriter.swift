import Foundation

/// Writes result.json, report.md and latency.svg into the run's report directory.
public enum ReportWriter {
    /// `loadtest/reports/<UTC timestamp>-<scenario>` under the working directory, unless `out` is given.
    public static func directory(for result: RunResult, out: String?) -> URL {
        if let out { return URL(fileURLWithPath: out, isDirectory: true) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        let stamp = formatter.string(from: Date())
        return URL(fileURLWithPath: "loadtest/reports/\(stamp)-\(result.scenario.rawValue)", isDirectory: true)
    }

    @discardableResult
    public static func write(_ result: RunResult, to directory: URL) throws -> URL {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try encode(result).write(to: directory.appendingPathComponent("result.json"))
        try Data(MarkdownReport.render(result).utf8).write(to: directory.appendingPathComponent("report.md"))
        let title = "\(result.scenario.rawValue): send → deliver latency" + (result.commit.map { " (\($0))" } ?? "")
        try Data(LatencyChart.svg(steps: result.steps, targetMS: result.settings.p99TargetMS, title: title).utf8)
            .write(to: directory.appendingPathComponent("latency.svg"))
        return directory
    }

    public static func encode(_ result: RunResult) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(result)
    }

    public static func decode(_ data: Data) throws -> RunResult {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(RunResult.self, from: data)
    }

    /// A short summary for stdout at the end of a run.
    public static func summary(_ result: RunResult, directory: URL) -> String {
        var lines = ["report: \(directory.path)"]
        for verdict in result.verdicts {
            lines.append("  \(verdict.passed ? "PASS" : "FAIL")  \(verdict.name): \(verdict.measured) (target \(verdict.target))")
        }
        lines.append("  bottleneck: \(result.bottleneck)")
        if let plan = result.capacity { lines.append("  " + plan.summary) }
        return lines.joined(separator: "\n")
    }
}
