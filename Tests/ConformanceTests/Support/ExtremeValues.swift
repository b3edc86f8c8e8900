import SeededRandom

/// Field values no well-behaved client sends: numbers at and past every integer and floating-point
/// edge, strings that are empty, huge, full of control characters or lone surrogates, ids that break
/// the id grammar, wrong JSON types and deep nesting. All within one frame of `max_frame_bytes`
/// unless `oversized` is asked for.
enum ExtremeValues {
    static let numbers: [String] = [
        "9223372036854775807", "9223372036854775000", "-9223372036854775808", "9223372036854775808",
        "18446744073709551616", "123456789012345678901234567890", "-1", "0", "1", "2147483648",
        "4294967296", "1e308", "-1e308", "1E400", "1.5", "-0", "-0.0", "1e-320", "0.1", "100000000000000000000",
    ]

    static let strings: [RawJSON] = [
        .string(""), .string(" "), .string("   \t  "), .string("\u{0}\u{1}\u{7}\u{1B}[31m\u{7F}"), .string("line\nbreak\r\n"),
        .raw("\"\\ud800\""), .raw("\"\\udc00\\ud800\""), .raw("\"a\\ud83dz\""), .raw("\"\\u0000\""),
        .string("\u{202E}evil\u{200B}\u{FEFF}"), .string("\u{FFFF}\u{10FFFF}"), .string(String(repeating: "👩‍👩‍👧‍👦", count: 40)),
        .string("שלום עולם"), .string("dm:1:a:b"), .string("dm:"), .string("../../etc/passwd"), .string("' OR 1=1; DROP TABLE messages; --"),
        .string("%s%s%n%x"), .string("a b"), .string(String(repeating: "i", count: 64)), .string(String(repeating: "i", count: 65)),
        .string(String(repeating: "i", count: 129)), .string(String(repeating: "x", count: 4001)), .string(String(repeating: "ש", count: 5000)),
        .string(String(repeating: "z", count: 60_000)), .string("null"), .string("9223372036854775807"),
    ]

    static let wrongTypes: [RawJSON] = [
        .null, .bool(true), .bool(false), .array([]), .array([.int(1), .string("a"), .null]), .object([]),
        .object([("a", .int(1))]), .array([.string("x")]), .array(Array(repeating: .string("ada"), count: 2000)),
    ]

    /// One value of any kind; `numeric` favours numbers (for fields that hold one).
    static func any(numeric: Bool, using rng: inout SplitMix64) -> RawJSON {
        let roll = Double.random(in: 0..<1, using: &rng)
        if numeric ? roll < 0.6 : roll < 0.2 { return .raw(rng.pick(numbers)) }
        if roll < 0.75 { return rng.pick(strings) }
        if roll < 0.93 { return rng.pick(wrongTypes) }
        return nested(depth: rng.pick([64, 600, 5000, 20_000]), objects: rng.chance(0.5))
    }

    /// `[[[…]]]` or `{"a":{"a":…}}` `depth` levels deep.
    static func nested(depth: Int, objects: Bool) -> RawJSON {
        objects
            ? .raw(String(repeating: "{\"a\":", count: depth) + "1" + String(repeating: "}", count: depth))
            : .raw(String(repeating: "[", count: depth) + String(repeating: "]", count: depth))
    }

    /// A frame too large for `max_frame_bytes` (the contract's answer is close 1009).
    static func oversized(_ maxFrameBytes: Int) -> RawJSON { .string(String(repeating: "o", count: maxFrameBytes + 10)) }
}
