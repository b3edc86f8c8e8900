/// A named group of list entries that each suggest `category` with `weight` (1 = enough on its own, in
/// the conversation it weighs most in). One message counts each signal once, however many entries match.
struct Signal: Sendable, Equatable {
    var name: String
    var category: String
    var weight: Double
}
