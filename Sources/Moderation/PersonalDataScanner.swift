/// Finds e-mail addresses, phone numbers, payment cards and Israeli IDs in a text, as UTF-8 byte ranges.
///
/// Hand-written scanners rather than regexes: numbers need checksums and a choice between readings
/// (a 9-digit run is an ID only when its check digit holds), and this runs on every message.
enum PersonalDataScanner {
    struct Span: Equatable {
        var bytes: Range<Int>
        var kind: PersonalDataKind
    }

    static func scan(_ text: String, kinds: Set<PersonalDataKind>) -> [Span] {
        var text = text
        return text.withUTF8 { bytes in
            var spans: [Span] = []
            if kinds.contains(.email) { spans += emails(bytes) }
            let numberKinds = kinds.subtracting([.email])
            if !numberKinds.isEmpty, bytes.count(where: isDigit) >= 7 {
                spans += numbers(bytes, kinds: numberKinds, skipping: spans)
            }
            return spans.sorted { $0.bytes.lowerBound < $1.bytes.lowerBound }
        }
    }

    // MARK: e-mail

    private static func emails(_ bytes: UnsafeBufferPointer<UInt8>) -> [Span] {
        var spans: [Span] = []
        var position = 0
        while position < bytes.count {
            guard bytes[position] == UInt8(ascii: "@") else {
                position += 1
                continue
            }
            var start = position
            while start > 0, isLocalPart(bytes[start - 1]) { start -= 1 }
            // A local part does not start with punctuation ("ל-dana@…" is a Hebrew prefix and a dash).
            while start < position, [UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "+")].contains(bytes[start]) { start += 1 }
            var end = position + 1
            while end < bytes.count, isAlphanumeric(bytes[end]) || bytes[end] == UInt8(ascii: "-") || bytes[end] == UInt8(ascii: ".") {
                end += 1
            }
            while end > position + 1, bytes[end - 1] == UInt8(ascii: ".") || bytes[end - 1] == UInt8(ascii: "-") { end -= 1 }
            if start < position, isDomain(bytes, position + 1..<end) {
                spans.append(Span(bytes: start..<end, kind: .email))
                position = end
            } else {
                position += 1
            }
        }
        return spans
    }

    /// Labels separated by single dots, at least two, the last all letters and two or more long.
    private static func isDomain(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        guard !range.isEmpty, isAlphanumeric(bytes[range.lowerBound]) else { return false }
        var dots = 0
        var lastDot = -1
        for index in range where bytes[index] == UInt8(ascii: ".") {
            if index == lastDot + 1 { return false }
            dots += 1
            lastDot = index
        }
        guard dots > 0, range.upperBound - lastDot - 1 >= 2 else { return false }
        return (lastDot + 1..<range.upperBound).allSatisfy { isLetter(bytes[$0]) }
    }

    // MARK: numbers

    /// A run of digits, maybe in parentheses; numbers are one or more groups with short separators between them.
    private struct DigitGroup {
        var start: Int
        var end: Int
        var digits: Range<Int>
        var parenthesised: Bool
        /// Separator bytes before this group (empty for the first).
        var separator: [UInt8]
    }

    private static func numbers(_ bytes: UnsafeBufferPointer<UInt8>, kinds: Set<PersonalDataKind>, skipping taken: [Span]) -> [Span] {
        var spans: [Span] = []
        var position = 0
        while position < bytes.count {
            let byte = bytes[position]
            let startsNumber =
                isDigit(byte)
                || ((byte == UInt8(ascii: "+") || byte == UInt8(ascii: "(")) && position + 1 < bytes.count && isDigit(bytes[position + 1]))
            guard startsNumber, position == 0 || !isWordByte(bytes[position - 1]),
                !taken.contains(where: { $0.bytes.contains(position) })
            else {
                position += 1
                continue
            }
            let (plus, groups, end) = digitGroups(bytes, from: position)
            if end < bytes.count, isWordByte(bytes[end]) {
                position = end + 1  // glued to letters: a code or an identifier, not a number
                continue
            }
            spans += classifiedSpans(bytes, groups: groups, plus: plus, kinds: kinds)
            position = max(end, position + 1)
        }
        return spans
    }

    private static func digitGroups(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (plus: Bool, groups: [DigitGroup], end: Int) {
        var position = start
        let plus = bytes[position] == UInt8(ascii: "+")
        if plus { position += 1 }
        var groups: [DigitGroup] = []
        var separator: [UInt8] = []
        while position < bytes.count {
            let groupStart = position
            let parenthesised = bytes[position] == UInt8(ascii: "(")
            if parenthesised { position += 1 }
            let digitStart = position
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
            guard position > digitStart else { break }
            let digits = digitStart..<position
            if parenthesised {
                guard position < bytes.count, bytes[position] == UInt8(ascii: ")") else { break }
                position += 1
            }
            groups.append(DigitGroup(start: groupStart, end: position, digits: digits, parenthesised: parenthesised, separator: separator))
            // A separator is up to three spaces with at most one dash or dot, followed by the next group.
            var length = 0
            var marks = 0
            while position + length < bytes.count, length < 3, let kind = separatorKind(bytes[position + length]) {
                if kind != UInt8(ascii: " ") { marks += 1 }
                length += 1
            }
            let next = position + length
            guard length > 0, marks <= 1, next < bytes.count,
                isDigit(bytes[next]) || (bytes[next] == UInt8(ascii: "(") && next + 1 < bytes.count && isDigit(bytes[next + 1]))
            else { break }
            separator = Array(bytes[position..<next])
            position = next
        }
        let end = groups.last?.end ?? start + 1
        return (plus, groups, end)
    }

    /// From each group, the longest run of groups that reads as one kind of number.
    private static func classifiedSpans(_ bytes: UnsafeBufferPointer<UInt8>, groups: [DigitGroup], plus: Bool, kinds: Set<PersonalDataKind>) -> [Span] {
        var spans: [Span] = []
        var first = 0
        while first < groups.count {
            var matched = false
            for last in stride(from: groups.count - 1, through: first, by: -1) {
                let withPlus = plus && first == 0
                guard let kind = classify(bytes, groups[first...last], plus: withPlus), kinds.contains(kind) else { continue }
                let start = withPlus ? groups[first].start - 1 : groups[first].start
                spans.append(Span(bytes: start..<groups[last].end, kind: kind))
                first = last + 1
                matched = true
                break
            }
            if !matched { first += 1 }
        }
        return spans
    }

    private static func classify(_ bytes: UnsafeBufferPointer<UInt8>, _ groups: ArraySlice<DigitGroup>, plus: Bool) -> PersonalDataKind? {
        var digits: [UInt8] = []
        for group in groups { digits += bytes[group.digits].map { $0 - UInt8(ascii: "0") } }
        let count = digits.count
        let single = groups.count == 1 && groups.first?.parenthesised == false
        if plus { return (8...15).contains(count) ? .phone : nil }
        let cardSeparated = groups.dropFirst().allSatisfy { $0.separator.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "-") } }
        if (13...19).contains(count), digits[0] != 0, cardSeparated, !groups.contains(where: \.parenthesised), Checksums.luhn(digits) {
            return .card
        }
        if count == 9, single, Checksums.israeliID(digits) { return .israeliID }
        if digits.starts(with: [0, 0]), (11...15).contains(count) { return .phone }  // international dialling prefix
        if digits[0] == 0, count >= 2 {
            // Israel: mobile and VoIP 05X/07X + 7 digits; landlines 02/03/04/08/09 + 7 digits.
            if count == 10, digits[1] == 5 || digits[1] == 7 { return .phone }
            if count == 9, [2, 3, 4, 8, 9].contains(digits[1]) { return .phone }
        }
        if count == 10, [[1, 8, 0, 0], [1, 7, 0, 0]].contains(Array(digits.prefix(4))), groups.count > 1 { return .phone }
        // North American 3-3-4 ("(555) 123-4567").
        if count == 10, groups.map({ $0.digits.count }) == [3, 3, 4], digits[0] >= 2 { return .phone }
        return nil
    }

    // MARK: bytes

    private static func separatorKind(_ byte: UInt8) -> UInt8? {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") ? byte : nil
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    private static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }
    private static func isAlphanumeric(_ byte: UInt8) -> Bool { isDigit(byte) || isLetter(byte) }
    private static func isWordByte(_ byte: UInt8) -> Bool { isAlphanumeric(byte) || byte == UInt8(ascii: "_") }

    private static func isLocalPart(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "%")
            || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
    }
}
