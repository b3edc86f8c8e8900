import Foundation

/// An SVG line chart of latency percentiles (log scale) against offered load, one polyline
/// per percentile, the p99 target dashed. Plain SVG 1.1, no scripts or external resources.
enum LatencyChart {
    struct Series: Sendable {
        var name: String
        var color: String
        var value: @Sendable (StepResult) -> Double
    }

    static let series = [
        Series(name: "p50", color: "#2b8a3e", value: { $0.latency.p50 }),
        Series(name: "p90", color: "#1971c2", value: { $0.latency.p90 }),
        Series(name: "p99", color: "#e8590c", value: { $0.latency.p99 }),
        Series(name: "p99.9", color: "#c92a2a", value: { $0.latency.p999 }),
    ]

    static let width = 760.0
    static let height = 440.0
    static let left = 70.0, right = 140.0, top = 40.0, bottom = 60.0

    static func svg(steps: [StepResult], targetMS: Double, title: String) -> String {
        let points = steps.filter { $0.latency.count > 0 && $0.label != "warmup" && $0.label != "settle" }.sorted { $0.offeredRate < $1.offeredRate }
        var out = """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
        <rect x="0" y="0" width="\(Int(width))" height="\(Int(height))" fill="#ffffff"/>
        <text x="\(Int(width / 2))" y="22" text-anchor="middle" font-size="15">\(escape(title))</text>

        """
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        guard !points.isEmpty else {
            out += "<text x=\"\(Int(width / 2))\" y=\"\(Int(height / 2))\" text-anchor=\"middle\">no latency samples in this run</text>\n</svg>\n"
            return out
        }
        let xMax = niceCeiling(max(1, points.map(\.offeredRate).max() ?? 1))
        let values = points.flatMap { step in series.map { $0.value(step) } } + [targetMS]
        let yMin = pow(10, floor(log10(max(0.01, values.filter { $0 > 0 }.min() ?? 0.1))))
        let yMax = pow(10, ceil(log10(max(yMin * 10, values.max() ?? 1))))
        func x(_ rate: Double) -> Double { left + rate / xMax * plotWidth }
        func y(_ ms: Double) -> Double {
            let clamped = min(max(ms, yMin), yMax)
            return top + plotHeight - (log10(clamped) - log10(yMin)) / (log10(yMax) - log10(yMin)) * plotHeight
        }

        // Axes and grid.
        out += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" fill=\"none\" stroke=\"#333333\"/>\n"
        var decade = yMin
        while decade <= yMax * 1.0001 {
            out += "<line x1=\"\(f(left))\" y1=\"\(f(y(decade)))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(y(decade)))\" stroke=\"#dddddd\"/>\n"
            out += "<text x=\"\(f(left - 6))\" y=\"\(f(y(decade) + 4))\" text-anchor=\"end\">\(label(decade)) ms</text>\n"
            decade *= 10
        }
        for tick in 0...5 {
            let rate = xMax * Double(tick) / 5
            out += "<line x1=\"\(f(x(rate)))\" y1=\"\(f(top + plotHeight))\" x2=\"\(f(x(rate)))\" y2=\"\(f(top + plotHeight + 5))\" stroke=\"#333333\"/>\n"
            out += "<text x=\"\(f(x(rate)))\" y=\"\(f(top + plotHeight + 20))\" text-anchor=\"middle\">\(ProgressLine.rate(rate))</text>\n"
        }
        out += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 15))\" text-anchor=\"middle\">offered load (messages/s)</text>\n"
        out += "<text x=\"18\" y=\"\(f(top + plotHeight / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 18 \(f(top + plotHeight / 2)))\">send → deliver latency (log)</text>\n"

        // Target.
        out += "<line x1=\"\(f(left))\" y1=\"\(f(y(targetMS)))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(y(targetMS)))\" stroke=\"#868e96\" stroke-dasharray=\"6 4\"/>\n"
        out += "<text x=\"\(f(left + plotWidth + 6))\" y=\"\(f(y(targetMS) + 4))\" fill=\"#868e96\">target \(label(targetMS)) ms</text>\n"

        // One polyline and markers per percentile, with a legend.
        for (index, line) in series.enumerated() {
            let coordinates = points.map { "\(f(x($0.offeredRate))),\(f(y(line.value($0))))" }
            out += "<polyline fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"2\" points=\"\(coordinates.joined(separator: " "))\"/>\n"
            for step in points {
                out += "<circle cx=\"\(f(x(step.offeredRate)))\" cy=\"\(f(y(line.value(step))))\" r=\"3\" fill=\"\(line.color)\"/>\n"
            }
            let legendY = top + 20 + Double(index) * 18
            out += "<line x1=\"\(f(left + plotWidth + 10))\" y1=\"\(f(legendY))\" x2=\"\(f(left + plotWidth + 30))\" y2=\"\(f(legendY))\" stroke=\"\(line.color)\" stroke-width=\"2\"/>\n"
            out += "<text x=\"\(f(left + plotWidth + 36))\" y=\"\(f(legendY + 4))\">\(line.name)</text>\n"
        }
        out += "</svg>\n"
        return out
    }

    private static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    private static func label(_ ms: Double) -> String {
        ms >= 1 ? String(format: "%.0f", ms) : String(format: "%g", ms)
    }

    /// 1, 2 or 5 times a power of ten, at or above `value`.
    static func niceCeiling(_ value: Double) -> Double {
        let power = pow(10, floor(log10(value)))
        for factor in [1.0, 2, 5, 10] where factor * power >= value { return factor * power }
        return 10 * power
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
