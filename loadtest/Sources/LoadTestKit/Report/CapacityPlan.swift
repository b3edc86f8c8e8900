import Foundation

/// "One node of this size sustains C connections and R msgs/s at p99 < X ms; for U users
/// with A % online sending S msgs/min you need K nodes", with the arithmetic kept explicit.
public struct CapacityPlan: Codable, Sendable, Equatable {
    /// What one node was measured to sustain.
    public struct NodeCapacity: Codable, Sendable, Equatable {
        public var connections: Int
        /// Messages per second at `measuredFanout` deliveries each, within the p99 target.
        public var msgsPerSecond: Double
        public var measuredFanout: Double
        public var p99TargetMS: Double
        /// Where the figures come from (scenario, step).
        public var source: String
        /// Where the connection figure comes from.
        public var connectionsSource: String

        public init(
            connections: Int, msgsPerSecond: Double, measuredFanout: Double, p99TargetMS: Double, source: String,
            connectionsSource: String = "measured"
        ) {
            self.connections = connections
            self.connectionsSource = connectionsSource
            self.msgsPerSecond = msgsPerSecond
            self.measuredFanout = measuredFanout
            self.p99TargetMS = p99TargetMS
            self.source = source
        }

        public var deliveriesPerSecond: Double { msgsPerSecond * measuredFanout }

        private enum CodingKeys: String, CodingKey {
            case connections, msgsPerSecond, measuredFanout, p99TargetMS, source, connectionsSource
        }

        /// Tolerates results written before `connectionsSource` existed.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            connections = try container.decode(Int.self, forKey: .connections)
            msgsPerSecond = try container.decode(Double.self, forKey: .msgsPerSecond)
            measuredFanout = try container.decode(Double.self, forKey: .measuredFanout)
            p99TargetMS = try container.decode(Double.self, forKey: .p99TargetMS)
            source = try container.decode(String.self, forKey: .source)
            connectionsSource = try container.decodeIfPresent(String.self, forKey: .connectionsSource) ?? "measured"
        }

        /// Messages/s at another fanout. Cost per message is a + b·fanout with a, b ≥ 0 unknown;
        /// one measurement bounds it from below by min(R, D / fanout) whatever the split.
        public func msgsPerSecond(atFanout fanout: Double) -> Double {
            guard fanout > 0 else { return msgsPerSecond }
            return min(msgsPerSecond, deliveriesPerSecond / fanout)
        }
    }

    public struct Assumptions: Codable, Sendable, Equatable {
        public var users: Int
        public var onlinePercent: Double
        public var msgsPerMinute: Double
        public var recipientsPerMessage: Double
        public var headroomPercent: Double

        public init(users: Int, onlinePercent: Double, msgsPerMinute: Double, recipientsPerMessage: Double, headroomPercent: Double) {
            self.users = users
            self.onlinePercent = onlinePercent
            self.msgsPerMinute = msgsPerMinute
            self.recipientsPerMessage = recipientsPerMessage
            self.headroomPercent = headroomPercent
        }

        public init(_ settings: LoadTestSettings) {
            self.init(
                users: settings.planUsers, onlinePercent: settings.planOnlinePercent, msgsPerMinute: settings.planMsgsPerMinute,
                recipientsPerMessage: settings.planRecipients, headroomPercent: settings.planHeadroomPercent)
        }
    }

    public var node: NodeCapacity
    public var assumptions: Assumptions
    public var onlineUsers: Double
    public var msgsPerSecond: Double
    public var deliveriesPerSecond: Double
    /// Node capacity in msgs/s at the assumed recipients per message.
    public var nodeMsgsPerSecondAtRecipients: Double
    public var nodesForConnections: Int
    public var nodesForTraffic: Int
    public var nodes: Int

    public init(node: NodeCapacity, assumptions: Assumptions) {
        self.node = node
        self.assumptions = assumptions
        let headroom = max(0.01, assumptions.headroomPercent / 100)
        onlineUsers = Double(assumptions.users) * assumptions.onlinePercent / 100
        msgsPerSecond = onlineUsers * assumptions.msgsPerMinute / 60
        deliveriesPerSecond = msgsPerSecond * assumptions.recipientsPerMessage
        nodeMsgsPerSecondAtRecipients = node.msgsPerSecond(atFanout: assumptions.recipientsPerMessage)
        nodesForConnections = node.connections > 0 ? Int((onlineUsers / (Double(node.connections) * headroom)).rounded(.up)) : 0
        nodesForTraffic = nodeMsgsPerSecondAtRecipients > 0 ? Int((msgsPerSecond / (nodeMsgsPerSecondAtRecipients * headroom)).rounded(.up)) : 0
        nodes = max(1, nodesForConnections, nodesForTraffic)
    }

    public var summary: String {
        """
        One node of this size sustains \(String(node.connections)) connections and \(Self.number(node.msgsPerSecond)) msgs/s \
        (\(Self.number(node.deliveriesPerSecond)) deliveries/s at \(Self.number(node.measuredFanout)) per message) at p99 < \(Self.number(node.p99TargetMS)) ms. \
        For \(String(assumptions.users)) users with \(Self.number(assumptions.onlinePercent)) % concurrently online sending \
        \(Self.number(assumptions.msgsPerMinute)) msgs/min you need \(nodes) node\(nodes == 1 ? "" : "s").
        """
    }

    /// The arithmetic, one line each, for the report.
    public var workings: [String] {
        let headroom = assumptions.headroomPercent
        return [
            "online users = \(String(assumptions.users)) × \(Self.number(assumptions.onlinePercent)) % = \(Self.number(onlineUsers))",
            "messages/s = \(Self.number(onlineUsers)) × \(Self.number(assumptions.msgsPerMinute)) / 60 = \(Self.number(msgsPerSecond))",
            "deliveries/s = \(Self.number(msgsPerSecond)) × \(Self.number(assumptions.recipientsPerMessage)) recipients = \(Self.number(deliveriesPerSecond))",
            "node msgs/s at \(Self.number(assumptions.recipientsPerMessage)) recipients = min(\(Self.number(node.msgsPerSecond)), \(Self.number(node.deliveriesPerSecond)) / \(Self.number(assumptions.recipientsPerMessage))) = \(Self.number(nodeMsgsPerSecondAtRecipients))",
            "nodes for connections = ⌈\(Self.number(onlineUsers)) / (\(String(node.connections)) × \(Self.number(headroom)) %)⌉ = \(nodesForConnections)  (connections: \(node.connectionsSource))",
            "nodes for traffic = ⌈\(Self.number(msgsPerSecond)) / (\(Self.number(nodeMsgsPerSecondAtRecipients)) × \(Self.number(headroom)) %)⌉ = \(nodesForTraffic)",
            "nodes = max(1, \(nodesForConnections), \(nodesForTraffic)) = \(nodes)",
        ]
    }

    /// Compact, locale-independent: integers as such, else up to two decimals.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "∞" }
        if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
        return String(format: "%.2f", value)
    }
}
