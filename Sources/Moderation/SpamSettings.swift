/// Limits for the spam stage; each org may override any of them.
struct SpamSettings: Sendable, Equatable {
    /// How far back the same user's messages count, in seconds.
    var windowSeconds: Double = 60
    /// The n-th identical message within the window is held (`spam.repeat`).
    var repeatCount = 5
    /// Shorter messages ("ok", "thanks") may repeat freely.
    var repeatMinLength = 8
    /// More links than this in one message is a link flood (`spam.links`).
    var maxLinks = 3
    /// More links than this from one user within the window is a link flood too.
    var maxLinksPerWindow = 8
    /// All-caps shouting (`spam.caps`) needs at least this many cased letters …
    var capsMinLetters = 16
    /// … of which at least this share are upper case.
    var capsRatio = 0.7
    /// One character repeated this many times in a row is a character flood (`spam.flood`).
    var floodRun = 10
    /// One word repeated this many times in a row is a flood too.
    var floodWords = 6
    /// What a spam finding does; hold by default (a person decides, nothing is lost).
    var action = ModerationAction.hold
}
