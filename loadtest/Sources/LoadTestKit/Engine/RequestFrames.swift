/// Client requests of protocol v1, encoded straight into send buffers that carry the
/// LWS_PRE headroom lws writes the frame header into (and masks the payload in place).
enum RequestFrames {
    /// LWS_PRE for 64-bit builds of lws 4.1 (`_LWS_PAD(16)`); checked in the tests.
    static let headroom = 16

    static func frame(_ json: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(headroom + json.utf8.count)
        bytes.append(contentsOf: repeatElement(0, count: headroom))
        bytes.append(contentsOf: json.utf8)
        return bytes
    }

    static func auth(id: String, token: String) -> [UInt8] {
        frame(#"{"type":"auth","id":"\#(id)","token":"\#(token)"}"#)
    }

    static func createRoom(id: String, room: String, title: String, visibility: String, members: [String]) -> [UInt8] {
        let list = members.map { "\"\($0)\"" }.joined(separator: ",")
        return frame(#"{"type":"room.create","id":"\#(id)","room":"\#(room)","title":"\#(title)","visibility":"\#(visibility)","members":[\#(list)]}"#)
    }

    static func directOpen(id: String, user: String) -> [UInt8] {
        frame(#"{"type":"direct.open","id":"\#(id)","user":"\#(user)"}"#)
    }

    static func join(id: String, room: String, since: Int64?, epoch: String?) -> [UInt8] {
        var json = #"{"type":"join","id":"\#(id)","room":"\#(room)""#
        if let since { json += #","since":\#(since)"# }
        if let epoch { json += #","epoch":"\#(epoch)""# }
        return frame(json + "}")
    }

    /// The text starts with `t=<send time ns>n` (read back by `FrameScanner`; the trailing
    /// letter keeps the server's moderator from reading the digits as a card or phone number),
    /// then ordinary words. The request id carries the room index and the send time for the ack.
    static func send(room: String, roomIndex: Int, sentNS: UInt64, clientMsgID: String, padding: String) -> [UInt8] {
        frame(#"{"type":"send","id":"s\#(roomIndex):\#(sentNS)","room":"\#(room)","text":"t=\#(sentNS)n \#(padding)","client_msg_id":"\#(clientMsgID)"}"#)
    }

    /// Benign words, never one repeated in a row, so no spam or flood rule fires.
    private static let fillerWords = [
        "please", "review", "the", "next", "exercise", "about", "fractions", "and", "share", "your",
        "answer", "with", "group", "before", "class", "tomorrow", "thanks", "for", "help", "today",
    ]

    /// Words filling the text to about `textBytes` (the timestamp takes ~22), starting at `variant`.
    static func padding(textBytes: Int, variant: Int) -> String {
        var text = ""
        var word = variant % fillerWords.count
        let target = max(1, textBytes - 22)
        while text.utf8.count < target {
            if !text.isEmpty { text += " " }
            text += fillerWords[word]
            word = (word + 1) % fillerWords.count
        }
        return String(text.prefix(target))
    }

    static func typing(room: String, on: Bool) -> [UInt8] {
        frame(#"{"type":"typing","room":"\#(room)","on":\#(on)}"#)
    }

    /// Ids start with `x`: replies never match a setup step's id or a send's `s…`.
    static func react(id: String, room: String, msgID: String, emoji: String, on: Bool) -> [UInt8] {
        frame(#"{"type":"react","id":"\#(id)","room":"\#(room)","msg_id":"\#(msgID)","emoji":"\#(emoji)","on":\#(on)}"#)
    }

    static func history(id: String, room: String, limit: Int) -> [UInt8] {
        frame(#"{"type":"history","id":"\#(id)","room":"\#(room)","limit":\#(limit)}"#)
    }

    static func read(room: String, seq: Int64) -> [UInt8] {
        frame(#"{"type":"read","room":"\#(room)","seq":\#(seq)}"#)
    }
}
