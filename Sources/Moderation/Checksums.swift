/// Check digits that tell real card and ID numbers from arbitrary digit runs.
enum Checksums {
    /// Luhn (ISO/IEC 7812), used by payment cards.
    static func luhn(_ digits: [UInt8]) -> Bool {
        var sum = 0
        for (offset, digit) in digits.reversed().enumerated() {
            var value = Int(digit)
            if offset % 2 == 1 {
                value *= 2
                if value > 9 { value -= 9 }
            }
            sum += value
        }
        return !digits.isEmpty && sum % 10 == 0
    }

    /// Israeli ID (teudat zehut): 9 digits, weights 1,2,1,2…, digits of each product summed, total divisible by 10.
    static func israeliID(_ digits: [UInt8]) -> Bool {
        guard digits.count == 9, digits.contains(where: { $0 != 0 }) else { return false }
        var sum = 0
        for (offset, digit) in digits.enumerated() {
            let product = Int(digit) * (offset % 2 == 0 ? 1 : 2)
            sum += product > 9 ? product - 9 : product
        }
        return sum % 10 == 0
    }
}
