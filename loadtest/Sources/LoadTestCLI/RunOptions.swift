import ArgumentParser
import Foundation
import LoadTestKit

/// Options every scenario accepts. Each maps onto the setting key of the same name
/// (dashes for underscores), so files, `--set` and options all speak one vocabulary.
struct RunOptions: ParsableArguments {
    @Option(name: .long, help: "Scenario file (YAML).") var config: String?
    @Option(name: .customLong("url"), help: "Server WebSocket URL; repeat for a cluster (clients spread round-robin).") var urls: [String] = []
    @Option(help: "Report directory.") var out: String?
    @Option(help: "Server pid to sample (default: found by the URL's port).") var serverPid: Int?
    @Option(help: "Prometheus URL of the server.") var metricsUrl: String?
    @Option(help: "HS256 secret.") var secret: String?
    @Option(help: "Org of all simulated users.") var org: String?
    @Option(help: "Measured seconds.") var duration: Double?
    @Option(help: "Warm-up seconds.") var warmup: Double?
    @Option(help: "Offered messages/s in total.") var rate: Double?
    @Option(help: "Rooms (fanout, storm, ramp).") var rooms: Int?
    @Option(help: "Members per room.") var members: Int?
    @Option(help: "Publishers in total.") var publishers: Int?
    @Option(help: "idle: connection counts to measure, e.g. 5000,10000.") var connections: String?
    @Option(help: "idle: seconds before reading server memory.") var settle: Double?
    @Option(help: "Message text length.") var messageBytes: Int?
    @Option(help: "p99 send→deliver target, ms.") var p99TargetMs: Double?
    @Option(help: "New connections per second.") var connectRate: Double?
    @Option(help: "mentoring: mentors.") var mentors: Int?
    @Option(help: "mentoring: students per mentor.") var studentsPerMentor: Int?
    @Option(help: "mentoring: group rooms.") var groups: Int?
    @Option(help: "mentoring: members per group.") var groupSize: Int?
    @Option(help: "mentoring: messages per user per minute.") var msgsPerMinute: Double?
    @Option(help: "storm: seconds of traffic before the drop.") var stormAfter: Double?
    @Option(help: "storm: ms between drop and reconnect.") var stormDowntimeMs: Int?
    @Option(help: "ramp: fanout or mentoring.") var rampTopology: String?
    @Option(help: "ramp: first rate.") var rampStart: Double?
    @Option(help: "ramp: rate multiplier per step.") var rampFactor: Double?
    @Option(help: "ramp: rate increment per step.") var rampStep: Double?
    @Option(help: "ramp: seconds per step.") var stepSeconds: Double?
    @Option(help: "ramp: most steps.") var maxSteps: Int?
    @Option(help: "plan: users U.") var planUsers: Int?
    @Option(help: "plan: % concurrently online A.") var planOnlinePercent: Double?
    @Option(help: "plan: messages per online user per minute S.") var planMsgsPerMinute: Double?
    @Option(help: "plan: deliveries per message.") var planRecipients: Double?
    @Flag(help: "No live progress line.") var noProgress = false
    @Option(name: .customLong("set"), help: "Any setting as name=value (see `rts-loadtest settings`); repeatable.") var assignments: [String] = []
    @Option(help: "Log level (trace … critical).") var logLevel: String = "info"

    /// The explicit options as setting overrides, then the `--set` ones.
    func overrides() throws -> [(name: String, values: [String])] {
        var pairs: [(name: String, values: [String])] = []
        func add(_ name: String, _ value: (any CustomStringConvertible)?) {
            if let value { pairs.append((name, [value.description])) }
        }
        if !urls.isEmpty { pairs.append(("urls", urls)) }
        add("out", out)
        add("server_pid", serverPid)
        add("metrics_url", metricsUrl)
        add("secret", secret)
        add("org", org)
        add("duration", duration)
        add("warmup", warmup)
        add("rate", rate)
        add("rooms", rooms)
        add("members", members)
        add("publishers", publishers)
        add("connections", connections)
        add("settle", settle)
        add("message_bytes", messageBytes)
        add("p99_target_ms", p99TargetMs)
        add("connect_rate", connectRate)
        add("mentors", mentors)
        add("students_per_mentor", studentsPerMentor)
        add("groups", groups)
        add("group_size", groupSize)
        add("msgs_per_minute", msgsPerMinute)
        add("storm_after", stormAfter)
        add("storm_downtime_ms", stormDowntimeMs)
        add("ramp_topology", rampTopology)
        add("ramp_start", rampStart)
        add("ramp_factor", rampFactor)
        add("ramp_step", rampStep)
        add("step_seconds", stepSeconds)
        add("max_steps", maxSteps)
        add("plan_users", planUsers)
        add("plan_online_percent", planOnlinePercent)
        add("plan_msgs_per_minute", planMsgsPerMinute)
        add("plan_recipients", planRecipients)
        if noProgress { pairs.append(("progress", ["false"])) }
        for assignment in assignments {
            pairs.append(try SettingsResolver.parseAssignment(assignment))
        }
        return pairs
    }

    func settings(scenario: ScenarioKind?) throws -> LoadTestSettings {
        let fileText = try config.map { try String(contentsOfFile: $0, encoding: .utf8) }
        do {
            return try SettingsResolver.resolve(scenario: scenario, fileText: fileText, overrides: try overrides())
        } catch let error as SettingsError {
            throw ValidationError(error.description)
        }
    }
}
