/// One named setting: the same snake_case name in scenario files, `--set name=value`
/// and the dedicated command-line options, so the three can never drift apart.
public struct SettingKey {
    public let name: String
    public let help: String
    let apply: (inout LoadTestSettings, [String]) throws(SettingsError) -> Void

    /// Every setting, in the order `--help-settings` lists them.
    public static var all: [SettingKey] {
        [
            choice("scenario", "idle, fanout, mentoring, storm, ramp or soak", \.scenario),
            list("urls", "WebSocket URLs, comma-separated; clients spread round-robin", \.urls),
            string("secret", "HS256 secret the tokens are signed with", \.secret),
            string("org", "org (tenant) of every simulated user", \.org),
            optionalInt("server_pid", "server pid to sample RSS/CPU (default: found by port)", \.serverPID),
            optionalString("metrics_url", "Prometheus URL (default: http://<host>:<port>/metrics)", \.metricsURL),
            double("duration", "measured seconds", \.durationSeconds),
            double("warmup", "seconds of traffic before measuring", \.warmupSeconds),
            double("drain", "seconds to wait for outstanding acks/deliveries", \.drainSeconds),
            double("setup_timeout", "limit per setup phase, seconds", \.setupTimeoutSeconds),
            double("connect_rate", "new connections per second", \.connectRate),
            int("connect_concurrency", "handshakes in flight at once", \.connectConcurrency),
            int("message_bytes", "message text length", \.messageBytes),
            double("p99_target_ms", "p99 send→deliver target, ms", \.p99TargetMS),
            double("rss_target_kib", "idle: target server RSS per connection, KiB", \.rssTargetKiB),
            double("recovery_target", "storm: target seconds until all recovered", \.recoveryTargetSeconds),
            intList("connections", "idle: connection counts to hold and measure, e.g. 5000,10000", \.connections),
            double("settle", "idle: seconds before reading server memory", \.settleSeconds),
            bool("idle_join", "idle: also join one shared room", \.idleJoin),
            int("rooms", "fanout/storm/ramp: rooms", \.rooms),
            int("members", "fanout/storm/ramp: members per room", \.members),
            int("publishers", "fanout/storm/ramp: publishers in total", \.publishers),
            double("rate", "offered messages per second in total", \.rate),
            int("mentors", "mentoring: mentors", \.mentors),
            int("students_per_mentor", "mentoring: students per mentor (one direct room each)", \.studentsPerMentor),
            int("groups", "mentoring: group rooms", \.groups),
            int("group_size", "mentoring: members per group room", \.groupSize),
            double("msgs_per_minute", "mentoring: messages per user per minute", \.msgsPerMinute),
            double("typing_percent", "mentoring: % of sends preceded by typing", \.typingPercent),
            int("read_interval_ms", "mentoring: at most one read receipt per room per interval", \.readIntervalMS),
            bool("rate_override", "mentoring: use `rate` instead of msgs_per_minute", \.rateOverride),
            double("storm_after", "storm: seconds of traffic before the drop", \.stormAfterSeconds),
            int("storm_downtime_ms", "storm: pause between drop and reconnect", \.stormDowntimeMS),
            int("storm_concurrency", "storm: reconnects in flight (0 = all at once)", \.stormConcurrency),
            double("recovery_timeout", "storm: seconds allowed to recover", \.recoveryTimeoutSeconds),
            choice("ramp_topology", "ramp: fanout or mentoring", \.rampTopology),
            double("ramp_start", "ramp: first rate, msgs/s", \.rampStart),
            double("ramp_factor", "ramp: rate multiplier per step", \.rampFactor),
            double("ramp_step", "ramp: rate increment per step (overrides factor)", \.rampStep),
            double("step_seconds", "ramp: seconds per step", \.stepSeconds),
            int("max_steps", "ramp: most steps", \.maxSteps),
            bool("half_rate_check", "ramp: measure p99 at half the max rate", \.halfRateCheck),
            double("churn_interval", "soak: seconds between two churns (clients leaving and coming back)", \.churnIntervalSeconds),
            double("churn_percent", "soak: % of clients leaving at each churn", \.churnPercent),
            int("churn_downtime_ms", "soak: how long a leaving client stays away", \.churnDowntimeMS),
            double("react_percent", "soak: % of sends followed by a reaction", \.reactPercent),
            double("history_percent", "soak: % of sends followed by a history request", \.historyPercent),
            double("sample_seconds", "soak: seconds between RSS / open-fd samples", \.sampleSeconds),
            double("rss_slope_target_kib", "soak: target RSS slope over the second half, KiB/min", \.rssSlopeTargetKiB),
            double("fd_slope_target", "soak: target open-fd slope over the second half, per minute", \.fdSlopeTarget),
            int("plan_users", "plan: users U", \.planUsers),
            double("plan_online_percent", "plan: % concurrently online A", \.planOnlinePercent),
            double("plan_msgs_per_minute", "plan: messages per online user per minute S", \.planMsgsPerMinute),
            double("plan_recipients", "plan: deliveries per message", \.planRecipients),
            double("plan_headroom_percent", "plan: use this % of measured capacity", \.planHeadroomPercent),
            optionalInt("plan_node_connections", "plan: connections per node (default: measured)", \.planNodeConnections),
            optionalString("out", "report directory", \.out),
            bool("progress", "live progress line on stderr", \.progress),
            optionalString("run_tag", "room id prefix (default: random)", \.runTag),
        ]
    }

    public static func named(_ name: String) -> SettingKey? {
        let normalized = name.replacingOccurrences(of: "-", with: "_")
        return all.first { $0.name == normalized }
    }

    // MARK: Builders

    private static func single(_ name: String, _ values: [String]) throws(SettingsError) -> String {
        guard values.count == 1, let value = values.first else { throw SettingsError("\(name): expected one value, got \(values.count)") }
        return value.trimmingCharacters(in: .whitespaces)
    }

    private static func string(_ name: String, _ help: String, _ path: WritableKeyPath<LoadTestSettings, String>) -> SettingKey {
        SettingKey(name: name, help: help) { (settings, values) throws(SettingsError) in settings[keyPath: path] = try single(name, values) }
    }

    private static func optionalString(_ name: String, _ help: String, _ path: WritableKeyPath<LoadTestSettings, String?>) -> SettingKey {
        SettingKey(name: name, help: help) { (settings, values) throws(SettingsError) in
            let value = try single(name, values)
            settings[keyPath: path] = value.isEmpty ? nil : value
        }
    }

    private static func list(_ name: String, _ help: String, _ path: WritableKeyPath<LoadTestSettings, [String]>) -> SettingKey {
        SettingKey(name: name, help: help) { (settings, values) throws(SettingsError) in
            let items = values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !items.isEmpty else { throw SettingsError("\(name): needs at least one value") }
            settings[keyPath: path] = items
        }
    }

    private static func int(_ name: String, _ help: String, _ path: WritableKeyPath<LoadTestSettings, Int>) -> SettingKey {
        SettingKey(name: name, help: help) { (settings, values) throws(SettingsError) in
            settings[keyPath: path] = try parseInt(name, single(name, values))
        }
    }

    private static func optionalInt(_ name: String, _ help: String, _ path: WritableKeyPath<LoadTestSettings, Int?>) -> SettingKey {
        SettingKey(name: name, help: help) { (settings, values) throws(SettingsError) in
            let value = try single(name, values)
            settings[keyPath: path] = value.isEmpty ? nil : try parseInt(name, value)
        }
    }

    private static func intList(_ name: String, _ help: String, _ path: WritableKeyPath<LoadTestSettings, [Int]>) -> SettingKey {
        SettingKey(name: name, help: help) { (settings, values) throws(SettingsError) in
            let items = values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            var numbers: [Int] = []
            for item in items { numbers.append(try parseInt(name, item)) }
            guard !numbers.isEmpty else { throw SettingsError("\(name): needs at least one value") }
            settings[keyPath: path] = numbers
        }
    }

    private static func double(_ name: String, _ help: String, _ path: WritableKeyPath<LoadTestSettings, Double>) -> SettingKey {
        SettingKey(name: name, help: help) { (settings, values) throws(SettingsError) in
            let text = try single(name, values)
            guard let value = Double(text), value.isFinite, value >= 0 else { throw SettingsError("\(name): '\(text)' is not a non-negative number") }
            settings[keyPath: path] = value
        }
    }

    private static func bool(_ name: String, _ help: String, _ path: WritableKeyPath<LoadTestSettings, Bool>) -> SettingKey {
        SettingKey(name: name, help: help) { (settings, values) throws(SettingsError) in
            switch try single(name, values).lowercased() {
            case "true", "yes", "on", "1": settings[keyPath: path] = true
            case "false", "no", "off", "0": settings[keyPath: path] = false
            case let other: throw SettingsError("\(name): '\(other)' is not true or false")
            }
        }
    }

    private static func choice(_ name: String, _ help: String, _ path: WritableKeyPath<LoadTestSettings, ScenarioKind>) -> SettingKey {
        SettingKey(name: name, help: help) { (settings, values) throws(SettingsError) in
            let text = try single(name, values)
            guard let kind = ScenarioKind(rawValue: text.lowercased()) else {
                throw SettingsError("\(name): '\(text)' is not one of \(ScenarioKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            settings[keyPath: path] = kind
        }
    }

    private static func parseInt(_ name: String, _ text: String) throws(SettingsError) -> Int {
        guard let value = Int(text.replacingOccurrences(of: "_", with: "")), value >= 0 else {
            throw SettingsError("\(name): '\(text)' is not a non-negative integer")
        }
        return value
    }
}
