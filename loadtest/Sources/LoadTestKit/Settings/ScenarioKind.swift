/// The workloads the harness can drive.
public enum ScenarioKind: String, Codable, Sendable, CaseIterable {
    /// N authenticated connections doing nothing: memory per connection.
    case idle
    /// R rooms × M members, P publishers at a total rate: deliveries/s and latency.
    case fanout
    /// Many 1:1 mentor/student rooms plus some groups, with typing and read receipts.
    case mentoring
    /// Clients drop at once and recover with `since`: time until all recovered.
    case storm
    /// Raise the rate step by step until p99 passes the target or loss appears.
    case ramp
    /// Mixed mentoring traffic for a long time with clients leaving and coming back: RSS and fd slopes.
    case soak
}
